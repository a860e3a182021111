import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../../src/errors.js';
import { HadoopRemoteError, RemoteNotFoundError, StandbyError } from '../../../../src/hadoop/rest/errors.js';
import { ResourceManagerClient } from '../../../../src/yarn/rest/client.js';
import { leafQueues } from '../../../../src/yarn/rest/scheduler.js';
import type { ApplicationSubmissionContext } from '../../../../src/yarn/rest/types.js';
import {
  deadUrl,
  fixtureJson,
  loadFixture,
  replay,
  type Handler,
  type Reply,
} from '../../../support/fake-http-server.js';
import { server, manualClock } from '../../../support/fake-servers.js';
import { submissionProblems } from './submission-schema.js';

const POLICY = { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };
const fx = (name: string) => loadFixture('rm-rest', name);
const rmClient = (urls: string[], clock = manualClock()) =>
  new ResourceManagerClient({
    resourceManagers: urls,
    user: 'alice',
    retry: POLICY,
    retryEnv: clock,
    killPollIntervalMs: 7,
  });

/** An RM answering `/ws/v1/cluster<resource>` from fixtures by method + resource. */
function routes(table: Record<string, string | Reply | (() => Reply)>): Handler {
  return (req) => {
    const resource = req.path.replace(/^\/ws\/v1\/cluster/, '').replace(/application_\d+_\d+/, '{id}');
    const entry = table[`${req.method} ${resource}`];
    if (entry === undefined) return { status: 599, body: `no route ${req.method} ${resource}` };
    if (typeof entry === 'function') return entry();
    return typeof entry === 'string' ? replay(fx(entry)) : entry;
  };
}

describe('cluster resources decode the recorded answers', () => {
  it('info, metrics, scheduler, nodes; JSON asked for, user.name sent', async () => {
    const rm = await server(
      routes({
        'GET /info': 'cluster-info',
        'GET /metrics': 'cluster-metrics',
        'GET /scheduler': 'scheduler',
        'GET /nodes': 'nodes',
      }),
    );
    const c = rmClient([rm.url]);
    const info = await c.clusterInfo();
    expect(info.hadoopVersion).toBe(fixtureJson(fx('cluster-info')).clusterInfo.hadoopVersion);
    expect(info.haState).toBe('ACTIVE');
    const metrics = await c.clusterMetrics();
    expect(metrics.activeNodes).toBe(fixtureJson(fx('cluster-metrics')).clusterMetrics.activeNodes);
    const scheduler = await c.scheduler();
    expect(scheduler.type).toBe('capacityScheduler');
    const nodes = await c.nodes(['RUNNING']);
    const rawNodes: { id: string; nodeHTTPAddress: string }[] = fixtureJson(fx('nodes')).nodes.node;
    expect(nodes.map((n) => [n.id, n.nodeHTTPAddress])).toEqual(
      rawNodes.map((n) => [n.id, n.nodeHTTPAddress]),
    );
    for (const r of rm.requests) {
      expect(r.query['user.name']).toBe('alice');
      expect(r.headers.accept).toBe('application/json');
    }
    expect(rm.requests[3]!.query.states).toBe('RUNNING');
  });

  it('empty collections ({"nodes":{}}, {"apps":{}}) are empty lists', async () => {
    const rm = await server(routes({ 'GET /nodes': 'nodes-none-lost', 'GET /apps': 'apps-list-empty' }));
    const c = rmClient([rm.url]);
    expect(await c.nodes(['LOST'])).toEqual([]);
    expect(await c.listApplications({ applicationTypes: ['NO-SUCH-TYPE'] })).toEqual([]);
    expect(rm.requests[1]!.query.applicationTypes).toBe('NO-SUCH-TYPE');
  });

  it('leaf queues of the recorded CapacityScheduler tree', () => {
    const info = fixtureJson(fx('scheduler')).scheduler.schedulerInfo;
    // Independent walk over the raw JSON: queues without children.
    const expected: string[] = [];
    const walk = (q: any): void => {
      const kids = q.queues?.queue ?? [];
      if (kids.length === 0) expected.push(q.queuePath);
      kids.forEach(walk);
    };
    info.queues.queue.forEach(walk);
    expect(leafQueues(info)!.map((q) => q.path)).toEqual(expected);
    expect(leafQueues(info)!.map((q) => q.name)).toContain('default');
  });
});

describe('applications', () => {
  const context = (appId: string): ApplicationSubmissionContext => ({
    'application-id': appId,
    'application-name': 'wordcount',
    queue: 'default',
    priority: 0,
    'am-container-spec': {
      'local-resources': {
        entry: [
          {
            key: '__app__.mjs',
            value: {
              resource: 'hdfs://127.0.0.1:9000/user/alice/.sparkStaging/x/__app__.mjs',
              type: 'FILE',
              visibility: 'PRIVATE',
              size: 1234,
              timestamp: 1795413792062,
            },
          },
        ],
      },
      environment: { entry: [{ key: 'SPARK_USER', value: 'alice' }] },
      commands: { command: 'node am/main.js 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr' },
      credentials: {
        secrets: {
          entry: [{ key: 'tspark.application.secret', value: Buffer.from('s3cret').toString('base64') }],
        },
      },
      'application-acls': { entry: [{ key: 'VIEW_APP', value: 'alice' }] },
    },
    'unmanaged-AM': false,
    'max-app-attempts': 2,
    resource: { memory: 1408, vCores: 1 },
    'application-type': 'TSPARK',
    'keep-containers-across-application-attempts': false,
    'application-tags': { tag: ['a', 'b'] },
  });

  it('the recorded submission the RM accepted matches the documented schema (anchors the schema)', () => {
    const recorded = JSON.parse(fx('submit-accepted').request.body!);
    expect(submissionProblems(recorded)).toEqual([]);
    // ...and the schema does catch mistakes.
    expect(submissionProblems({ ...recorded, 'application-tags': ['x'], memory: 1 })).toEqual([
      '$.application-tags: expected an object',
      '$.memory: not a documented key',
    ]);
  });

  it('new-application then submit: POST bodies as documented, JSON content type, 202 accepted', async () => {
    const rm = await server(
      routes({ 'POST /apps/new-application': 'new-application', 'POST /apps': 'submit-accepted' }),
    );
    const c = rmClient([rm.url]);
    const app = await c.newApplication();
    const raw = fixtureJson(fx('new-application'));
    expect(app['application-id']).toBe(raw['application-id']);
    expect(app['maximum-resource-capability']).toMatchObject({
      memory: raw['maximum-resource-capability'].memory,
      vCores: raw['maximum-resource-capability'].vCores,
    });
    const ctx = context(app['application-id']);
    await c.submitApplication(ctx);
    const [newApp, submit] = rm.requests;
    expect(newApp).toMatchObject({ method: 'POST', query: { 'user.name': 'alice' } });
    expect(submit).toMatchObject({ method: 'POST', path: '/ws/v1/cluster/apps' });
    expect(submit!.headers['content-type']).toBe('application/json');
    const sent = JSON.parse(submit!.body.toString('utf8'));
    expect(sent).toEqual(ctx);
    expect(submissionProblems(sent)).toEqual([]);
  });

  it('report, attempts and state decode the recorded answers', async () => {
    const rm = await server(
      routes({
        'GET /apps/{id}': 'app-report-finished',
        'GET /apps/{id}/appattempts': 'app-attempts',
        'GET /apps/{id}/state': 'app-state-finished',
      }),
    );
    const c = rmClient([rm.url]);
    const id = fixtureJson(fx('app-report-finished')).app.id as string;
    const report = await c.getApplication(id);
    const raw = fixtureJson(fx('app-report-finished')).app;
    expect(report).toMatchObject({
      id,
      state: raw.state,
      finalStatus: raw.finalStatus,
      diagnostics: raw.diagnostics,
      queue: raw.queue,
    });
    const attempts = await c.getApplicationAttempts(id);
    const rawAttempts = fixtureJson(fx('app-attempts')).appAttempts.appAttempt;
    expect(attempts.map((a) => a.containerId)).toEqual(
      rawAttempts.map((a: { containerId: string }) => a.containerId),
    );
    expect(await c.getApplicationState(id)).toBe(fixtureJson(fx('app-state-finished')).state);
    expect(rm.requests[0]!.path).toBe(`/ws/v1/cluster/apps/${id}`);
  });

  it('kill: repeats the PUT while the RM answers 202, returns once it answers 200', async () => {
    let puts = 0;
    const rm = await server(
      routes({
        'PUT /apps/{id}/state': () =>
          replay(fx(++puts < 3 ? 'kill-first-put' : 'kill-repeat-put-after-killed')),
      }),
    );
    const clock = manualClock();
    const state = await rmClient([rm.url], clock).killApplication('application_1_0001', 'user asked');
    expect(state).toBe('KILLED');
    expect(puts).toBe(3);
    expect(clock.sleeps).toEqual([7, 7]);
    expect(JSON.parse(rm.requests[0]!.body.toString())).toEqual({
      state: 'KILLED',
      diagnostics: 'user asked',
    });
    expect(rm.requests[0]!.headers['content-type']).toBe('application/json');
  });
});

describe('kill that stays in progress', () => {
  it('stops repeating after killMaxPolls and returns the last state seen', async () => {
    const rm = await server(() => ({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: '{"state":"RUNNING"}',
    }));
    const clock = manualClock();
    const c = new ResourceManagerClient({
      resourceManagers: [rm.url],
      retry: POLICY,
      retryEnv: clock,
      killPollIntervalMs: 5,
      killMaxPolls: 3,
    });
    expect(await c.killApplication('application_1_0001')).toBe('RUNNING');
    expect(rm.requests).toHaveLength(4);
    expect(clock.sleeps).toEqual([5, 5, 5]);
  });
});

describe('RM errors carry the RM message, typed', () => {
  it('unknown application -> RemoteNotFoundError (exit NOT_FOUND), not retried', async () => {
    const rm = await server(() => replay(fx('error-app-not-found')));
    const err = (await rmClient([rm.url])
      .getApplication('application_1000000000000_9999')
      .catch((e: unknown) => e)) as HadoopRemoteError;
    expect(err).toBeInstanceOf(RemoteNotFoundError);
    expect(err).toMatchObject({ code: 'HADOOP_NOT_FOUND', exitCode: ExitCode.NOT_FOUND, httpStatus: 404 });
    expect(err.message).toContain('Application application_1000000000000_9999 was not found');
    expect(err.message).toContain('NotFoundException: app with id: application_1000000000000_9999 not found');
    expect(err.message).not.toContain('java.lang.Exception');
    expect(err.context.appId).toBe('application_1000000000000_9999');
    expect(rm.requests).toHaveLength(1);
  });

  it.each([
    ['error-app-id-malformed', 'Invalid ApplicationId prefix'],
    ['error-state-not-killed', "Only 'KILLED' is allowed as a target state"],
    ['error-submit-memory-above-maximum', 'Requested more memory than configured max'],
    ['error-submit-bad-app-id', 'Could not parse application id application_bad'],
  ])('%s -> bad request with "%s", one request', async (name, text) => {
    const rm = await server(() => replay(fx(name)));
    const err = (await rmClient([rm.url])
      .getApplicationState('application_1_0001')
      .catch((e: unknown) => e)) as HadoopRemoteError;
    expect(err).toMatchObject({
      code: 'HADOOP_BAD_REQUEST',
      kind: 'bad-request',
      httpStatus: 400,
      retriable: false,
    });
    expect(err.message).toContain(text);
    expect(rm.requests).toHaveLength(1);
  });
});

describe('retries (manual clock)', () => {
  it('retries a GET after 5xx, with the backoff windows of the policy', async () => {
    let n = 0;
    const rm = await server(() => (++n <= 2 ? { status: 503, body: 'busy' } : replay(fx('cluster-info'))));
    const clock = manualClock();
    await rmClient([rm.url], clock).clusterInfo();
    expect(rm.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([Math.floor(100 * 0.5), Math.floor(200 * 0.5)]);
  });

  it('repeats a submission after a 5xx: the RM accepts a repeated id (recorded)', async () => {
    let n = 0;
    const rm = await server(() =>
      ++n === 1 ? { status: 500, body: 'x' } : replay(fx('submit-duplicate-accepted')),
    );
    await rmClient([rm.url]).submitApplication({ 'application-id': 'application_1_0001' });
    expect(rm.requests).toHaveLength(2);
    expect(rm.requests[1]!.body.equals(rm.requests[0]!.body)).toBe(true);
  });

  it('never repeats a 4xx answer, e.g. a rejected submission', async () => {
    const rm = await server(() => replay(fx('error-submit-memory-above-maximum')));
    await expect(
      rmClient([rm.url]).submitApplication({ 'application-id': 'application_1_0001' }),
    ).rejects.toMatchObject({ httpStatus: 400 });
    expect(rm.requests).toHaveLength(1);
  });

  it('a submission whose connection was refused goes to the next RM', async () => {
    const dead = await deadUrl();
    const rm = await server(routes({ 'POST /apps': 'submit-accepted' }));
    const c = rmClient([dead, rm.url]);
    await c.submitApplication({ 'application-id': 'application_1_0001' });
    expect(c.activeResourceManager).toBe(rm.url);
  });
});

describe('RM HA', () => {
  /** A standby RM as RMWebAppFilter answers: 307 to the active RM, with its explanatory text. */
  const standbyRedirecting =
    (active: () => string): Handler =>
    (req): Reply => {
      const query = new URLSearchParams(req.query).toString();
      const uri = `${req.path}${query ? `?${query}` : ''}`;
      if (req.path === '/ws/v1/cluster/info') {
        const info = fixtureJson(fx('cluster-info'));
        info.clusterInfo.haState = 'STANDBY';
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(info) };
      }
      return {
        status: 307,
        headers: { location: `${active()}${uri}`, 'content-type': 'text/plain' },
        body: `This is standby RM. The redirect url is: ${uri}\n`,
      };
    };

  it('follows a standby redirect once, re-sending the POST body, and remembers the active RM', async () => {
    const active = await server(
      routes({ 'POST /apps': 'submit-accepted', 'GET /apps/{id}': 'app-report-finished' }),
    );
    const standby = await server(standbyRedirecting(() => active.url));
    const c = rmClient([standby.url, active.url]);
    await c.submitApplication({ 'application-id': 'application_1_0001', 'application-name': 'x' });
    expect(active.requests[0]!.query['user.name']).toBe('alice');
    expect(JSON.parse(active.requests[0]!.body.toString())).toEqual({
      'application-id': 'application_1_0001',
      'application-name': 'x',
    });
    expect(c.activeResourceManager).toBe(active.url);
    await c.getApplication('application_1_0001');
    expect(standby.requests).toHaveLength(1);
  });

  it('a standby that knows no active RM (text, no Location) is skipped', async () => {
    const standby = await server(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'There is no active RM right now.\nHA Zookeeper Connection State: x\n',
    }));
    const active = await server(routes({ 'GET /metrics': 'cluster-metrics' }));
    const c = rmClient([standby.url, active.url]);
    await c.clusterMetrics();
    expect(c.activeResourceManager).toBe(active.url);
  });

  it('cluster info from a standby (never redirected) counts as standby', async () => {
    const active = await server(routes({ 'GET /info': 'cluster-info' }));
    const standby = await server(standbyRedirecting(() => active.url));
    const c = rmClient([standby.url, active.url]);
    expect((await c.clusterInfo()).haState).toBe('ACTIVE');
    expect(c.activeResourceManager).toBe(active.url);
  });

  it('only standbys: a retriable NoActiveServer error after the attempts', async () => {
    const s1 = await server(() => ({ status: 200, body: 'There is no active RM right now.' }));
    const s2 = await server(() => ({ status: 200, body: 'There is no active RM right now.' }));
    const clock = manualClock();
    const err = (await rmClient([s1.url, s2.url], clock)
      .clusterMetrics()
      .catch((e: unknown) => e)) as Error & { failures: Error[] };
    expect(err).toMatchObject({ code: 'HADOOP_NO_ACTIVE_SERVER', retriable: true });
    expect(err.failures.every((f) => f instanceof StandbyError)).toBe(true);
    expect(s1.requests).toHaveLength(POLICY.maxAttempts);
  });
});
