import type { AxiosInstance } from 'axios';
import { silentLogger, type Logger } from '../../log.js';
import {
  HadoopHttpError,
  HadoopProtocolError,
  StandbyError,
  remoteError,
  snippet,
  type RequestContext,
} from '../../hadoop/rest/errors.js';
import { ServerList } from '../../hadoop/rest/failover.js';
import { createHttpClient, sendHttp, type HttpAnswer, type HttpMethod } from '../../hadoop/rest/http.js';
import { isRetriableFailure, shouldFailOver } from '../../hadoop/rest/policy.js';
import { decodeRemoteException } from '../../hadoop/rest/remote-exception.js';
import {
  DEFAULT_RETRY_POLICY,
  REAL_RETRY_ENV,
  withRetry,
  type RetryEnv,
  type RetryPolicy,
} from '../../hadoop/rest/retry.js';
import type {
  AppAttemptInfo,
  AppInfo,
  AppStateUpdate,
  ApplicationSubmissionContext,
  ClusterInfo,
  ClusterMetrics,
  NewApplication,
  NodeInfo,
  SchedulerInfo,
  YarnApplicationState,
} from './types.js';

/**
 * The ResourceManager's REST API (`/ws/v1/cluster`), JSON throughout.
 *
 * RM HA: the configured RMs are tried in order, starting with the one that
 * last answered as active. A standby RM answers most paths with a 307 to the
 * active one ("This is standby RM. The redirect url is: ...") which we follow
 * once, re-sending the same request there; without a known active RM it
 * answers with text and no Location, and we try the next RM. `/cluster/info`
 * is never redirected; its `haState` tells a standby.
 */

export interface ResourceManagerClientOptions {
  /** RM web base URLs (`http://host:8088`); several for HA, tried in order. */
  resourceManagers: readonly string[];
  /** Sent as `user.name` on every call: the user applications are submitted and killed as. */
  user?: string;
  http?: AxiosInstance;
  logger?: Logger;
  retry?: RetryPolicy;
  retryEnv?: RetryEnv;
  requestTimeoutMs?: number;
  /** Pause between state polls while a kill is in progress. */
  killPollIntervalMs?: number;
  /** Polls before giving up on a kill that stays in progress. */
  killMaxPolls?: number;
}

export const DEFAULT_RM_TIMEOUT_MS = 30_000;

export interface ListApplicationsFilter {
  states?: YarnApplicationState[];
  user?: string;
  queue?: string;
  applicationTypes?: string[];
  applicationTags?: string[];
  limit?: number;
}

interface Call {
  method: HttpMethod;
  /** Below /ws/v1/cluster, e.g. `/apps/application_1_0001`. */
  resource: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  expect: readonly number[];
  idempotent: boolean;
  appId?: string;
}

/** Marks a standby RM's plain-text answers (RMWebAppFilter). */
const STANDBY_TEXT = /standby RM|no active RM|Can not find any active RM/i;

export class ResourceManagerClient {
  readonly user: string | undefined;
  private readonly servers: ServerList;
  private readonly http: AxiosInstance;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly retryEnv: RetryEnv;
  private readonly timeoutMs: number;
  private readonly killPollIntervalMs: number;
  private readonly killMaxPolls: number;

  constructor(options: ResourceManagerClientOptions) {
    this.servers = new ServerList('ResourceManager', options.resourceManagers);
    this.user = options.user;
    this.http = options.http ?? createHttpClient();
    this.log = (options.logger ?? silentLogger()).child({ component: 'rm-rest' });
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.retryEnv = options.retryEnv ?? REAL_RETRY_ENV;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_RM_TIMEOUT_MS;
    this.killPollIntervalMs = options.killPollIntervalMs ?? 500;
    this.killMaxPolls = options.killMaxPolls ?? 60;
  }

  /** The RM that last answered as active. */
  get activeResourceManager(): string {
    return this.servers.active;
  }

  // ---- cluster ---------------------------------------------------------------

  async clusterInfo(): Promise<ClusterInfo> {
    const { json } = await this.call({ method: 'GET', resource: '/info', expect: [200], idempotent: true });
    return field<ClusterInfo>(json, 'clusterInfo', this.ctxFor('/info'));
  }

  async clusterMetrics(): Promise<ClusterMetrics> {
    const { json } = await this.call({
      method: 'GET',
      resource: '/metrics',
      expect: [200],
      idempotent: true,
    });
    return field<ClusterMetrics>(json, 'clusterMetrics', this.ctxFor('/metrics'));
  }

  async scheduler(): Promise<SchedulerInfo> {
    const { json } = await this.call({
      method: 'GET',
      resource: '/scheduler',
      expect: [200],
      idempotent: true,
    });
    const scheduler = field<{ schedulerInfo: SchedulerInfo }>(json, 'scheduler', this.ctxFor('/scheduler'));
    return field<SchedulerInfo>(scheduler, 'schedulerInfo', this.ctxFor('/scheduler'));
  }

  /** Nodes, optionally only in the given states (e.g. RUNNING). */
  async nodes(states?: NodeInfo['state'][]): Promise<NodeInfo[]> {
    const query = { states: states?.join(',') };
    const { json } = await this.call({
      method: 'GET',
      resource: '/nodes',
      query,
      expect: [200],
      idempotent: true,
    });
    return collection<NodeInfo>(json, 'nodes', 'node', this.ctxFor('/nodes'));
  }

  // ---- applications ----------------------------------------------------------

  /** Reserves an application id and tells the largest container the scheduler grants. */
  async newApplication(): Promise<NewApplication> {
    // Not idempotent, but a repeat only wastes an id: safe to retry.
    const { json } = await this.call({
      method: 'POST',
      resource: '/apps/new-application',
      expect: [200],
      idempotent: true,
    });
    const ctx = this.ctxFor('/apps/new-application');
    const app = json as NewApplication;
    if (
      typeof app?.['application-id'] !== 'string' ||
      typeof app['maximum-resource-capability']?.memory !== 'number'
    ) {
      throw new HadoopProtocolError(ctx, 'application-id or maximum-resource-capability missing');
    }
    return app;
  }

  /**
   * Submits the application (202 Accepted). Safe to repeat: the RM answers a
   * second submission of an id it knows with 202 again and changes nothing
   * (recorded on 3.4.3: fixture `submit-duplicate-accepted`), so a submission
   * whose answer was lost is retried like any idempotent call.
   */
  async submitApplication(context: ApplicationSubmissionContext): Promise<void> {
    await this.call({
      method: 'POST',
      resource: '/apps',
      body: context,
      expect: [202],
      idempotent: true,
      appId: context['application-id'],
    });
  }

  async getApplication(appId: string): Promise<AppInfo> {
    const resource = `/apps/${encodeURIComponent(appId)}`;
    const { json } = await this.call({ method: 'GET', resource, expect: [200], idempotent: true, appId });
    return field<AppInfo>(json, 'app', this.ctxFor(resource, appId));
  }

  async listApplications(filter: ListApplicationsFilter = {}): Promise<AppInfo[]> {
    const query = {
      states: filter.states?.join(','),
      user: filter.user,
      queue: filter.queue,
      applicationTypes: filter.applicationTypes?.join(','),
      applicationTags: filter.applicationTags?.join(','),
      limit: filter.limit,
    };
    const { json } = await this.call({
      method: 'GET',
      resource: '/apps',
      query,
      expect: [200],
      idempotent: true,
    });
    return collection<AppInfo>(json, 'apps', 'app', this.ctxFor('/apps'));
  }

  async getApplicationAttempts(appId: string): Promise<AppAttemptInfo[]> {
    const resource = `/apps/${encodeURIComponent(appId)}/appattempts`;
    const { json } = await this.call({ method: 'GET', resource, expect: [200], idempotent: true, appId });
    return collection<AppAttemptInfo>(json, 'appAttempts', 'appAttempt', this.ctxFor(resource, appId));
  }

  async getApplicationState(appId: string): Promise<YarnApplicationState> {
    const resource = `/apps/${encodeURIComponent(appId)}/state`;
    const { json } = await this.call({ method: 'GET', resource, expect: [200], idempotent: true, appId });
    return field<YarnApplicationState>(json, 'state', this.ctxFor(resource, appId));
  }

  /**
   * Kills the application: PUT `{"state":"KILLED"}`. The RM answers 202
   * while the kill is in progress and 200 once the app is in a final state
   * (or already was); we repeat the PUT until then and return the state.
   */
  async killApplication(appId: string, diagnostics?: string): Promise<YarnApplicationState> {
    const resource = `/apps/${encodeURIComponent(appId)}/state`;
    const body: AppStateUpdate =
      diagnostics === undefined ? { state: 'KILLED' } : { state: 'KILLED', diagnostics };
    for (let poll = 0; ; poll++) {
      const { status, json } = await this.call({
        method: 'PUT',
        resource,
        body,
        expect: [200, 202],
        idempotent: true,
        appId,
      });
      const state = field<YarnApplicationState>(json, 'state', this.ctxFor(resource, appId));
      if (status === 200) return state;
      if (poll >= this.killMaxPolls) return state;
      this.log.debug({ appId, state }, 'kill in progress');
      await this.retryEnv.sleep(this.killPollIntervalMs);
    }
  }

  // ---- transport ---------------------------------------------------------------

  private ctxFor(resource: string, appId?: string, endpoint = this.servers.active): RequestContext {
    const ctx: RequestContext = {
      service: 'ResourceManager',
      endpoint,
      operation: resource.replace(/application_\d+_\d+/, '{appid}'),
    };
    if (appId !== undefined) ctx.appId = appId;
    if (this.user !== undefined) ctx.user = this.user;
    return ctx;
  }

  private url(base: string, call: Call): string {
    const params: string[] = [];
    if (this.user !== undefined) params.push(`user.name=${encodeURIComponent(this.user)}`);
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v !== undefined && v !== '') params.push(`${k}=${encodeURIComponent(String(v))}`);
    }
    return `${base}/ws/v1/cluster${call.resource}${params.length ? `?${params.join('&')}` : ''}`;
  }

  private call(call: Call): Promise<{ status: number; json: unknown }> {
    return withRetry(
      () =>
        this.servers.tryEach(
          (base) => this.callOne(base, call),
          (error) => shouldFailOver(error, call.idempotent),
        ),
      this.retry,
      this.retryEnv,
      {
        isRetriable: (error) => isRetriableFailure(error, call.idempotent),
        onRetry: (error, attempt, delayMs) =>
          this.log.warn(
            { resource: call.resource, appId: call.appId, attempt, delayMs, err: (error as Error).message },
            'RM call failed; retrying',
          ),
      },
    );
  }

  /** One RM, following a standby's redirect to the active RM once. */
  private async callOne(base: string, call: Call): Promise<{ status: number; json: unknown }> {
    let url = this.url(base, call);
    for (let hop = 0; ; hop++) {
      const ctx = this.ctxFor(call.resource, call.appId, new URL(url).origin);
      const answer = await this.send(url, call, ctx);
      const text = (answer.body as Buffer).toString('utf8');
      const location = answer.headers.location;
      if ((answer.status === 307 || answer.status === 302) && location && hop === 0) {
        this.log.info(
          { from: ctx.endpoint, to: new URL(location, url).origin },
          'standby ResourceManager redirected to the active one',
        );
        url = new URL(location, url).toString();
        continue;
      }
      if (STANDBY_TEXT.test(text) && !text.trimStart().startsWith('{')) {
        throw new StandbyError(
          'standby',
          `The ResourceManager at ${ctx.endpoint} is a standby and named no active RM: ${snippet(text)}`,
          { exception: 'StandbyException', message: snippet(text) },
          answer.status,
          ctx,
        );
      }
      if (call.expect.includes(answer.status)) {
        const json = text.trim() === '' ? undefined : parseJson(text, ctx);
        if (
          call.resource === '/info' &&
          (json as { clusterInfo?: ClusterInfo })?.clusterInfo?.haState === 'STANDBY'
        ) {
          throw new StandbyError(
            'standby',
            `The ResourceManager at ${ctx.endpoint} is a standby (haState STANDBY)`,
            { exception: 'StandbyException', message: 'haState STANDBY' },
            answer.status,
            ctx,
          );
        }
        // Remember the RM that really answered (the redirect target when there was one).
        this.servers.markActive(ctx.endpoint);
        return { status: answer.status, json };
      }
      const remote = decodeRemoteException(text);
      if (remote) throw remoteError(remote, answer.status, ctx);
      throw new HadoopHttpError(ctx, answer.status, snippet(text));
    }
  }

  private async send(url: string, call: Call, ctx: RequestContext): Promise<HttpAnswer> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const started = Date.now();
    const answer = await sendHttp(
      this.http,
      { method: call.method, url, headers, body, timeoutMs: this.timeoutMs },
      ctx,
    );
    this.log.debug(
      {
        method: call.method,
        resource: ctx.operation,
        appId: call.appId,
        status: answer.status,
        durationMs: Date.now() - started,
      },
      'RM answered',
    );
    return answer;
  }
}

function parseJson(text: string, ctx: RequestContext): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HadoopProtocolError(ctx, `not JSON: ${snippet(text)}`);
  }
}

function field<T>(json: unknown, key: string, ctx: RequestContext): T {
  const v = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  if (v === undefined || v === null) throw new HadoopProtocolError(ctx, `"${key}" missing`);
  return v as T;
}

/** `{"apps": {"app": [...]}}`; an empty collection may come as `{"apps": null}`. */
function collection<T>(json: unknown, outer: string, inner: string, ctx: RequestContext): T[] {
  if (typeof json !== 'object' || json === null || !(outer in json))
    throw new HadoopProtocolError(ctx, `"${outer}" missing`);
  const wrapper = (json as Record<string, unknown>)[outer];
  if (wrapper === null || wrapper === undefined) return [];
  const list = (wrapper as Record<string, unknown>)[inner];
  if (list === undefined || list === null) return [];
  return (Array.isArray(list) ? list : [list]) as T[];
}
