/**
 * A client of a YARN log server's REST API (yarn.log.server.web-service.url),
 * for the aggregated logs of a finished application in a format tspark does
 * not parse itself (the indexed "IFile" format). The server reads the files
 * with Hadoop's own file controllers and frames each file as `yarn logs` does.
 *
 * Transport is the plain HTTP GET of `NodeManagerHttp` (with `user.name`);
 * decoding is in log-server-codec.ts.
 */
import type { NodeManagerHttp, NodeManagerResponse } from '../deps.js';
import { describeCause, LogServerError } from '../errors.js';
import { readText } from '../nodemanager/nm-http.js';
import {
  decodeAttemptIds,
  decodeContainerLogs,
  decodeContainers,
  errorMessage,
  type LogServerContainer,
  type LogServerContainerLogs,
} from './log-server-codec.js';

/** The result of a lookup the server may not be able to answer (unknown app or container). */
export type Lookup<T> = { found: true; value: T } | { found: false; status: number; reason: string };

export class LogServerClient {
  private readonly origin: string;
  private readonly basePath: string;

  constructor(
    private readonly http: NodeManagerHttp,
    /** yarn.log.server.web-service.url, e.g. http://ahs:8188/ws/v1/applicationhistory */
    readonly webServiceUrl: string,
  ) {
    const url = new URL(/^https?:\/\//i.test(webServiceUrl) ? webServiceUrl : `http://${webServiceUrl}`);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  private async get(path: string, accept: 'application/json' | 'text/plain'): Promise<NodeManagerResponse> {
    try {
      return await this.http.get(this.origin, `${this.basePath}${path}`, accept);
    } catch (e) {
      throw new LogServerError(this.webServiceUrl, describeCause(e), { cause: e });
    }
  }

  private async getJson(path: string): Promise<Lookup<unknown>> {
    const res = await this.get(path, 'application/json');
    const text = await readText(res.body);
    if (res.status !== 200) return { found: false, status: res.status, reason: errorMessage(text) };
    try {
      return { found: true, value: JSON.parse(text) as unknown };
    } catch (e) {
      throw new LogServerError(this.webServiceUrl, `GET ${path} answered with text that is not JSON`, {
        cause: e,
      });
    }
  }

  /**
   * Every container of the application the server's history knows (AM and
   * others, all attempts), or why it cannot say (e.g. the application is not
   * in its timeline store).
   */
  async listContainers(appId: string): Promise<Lookup<LogServerContainer[]>> {
    const attempts = await this.getJson(`/apps/${appId}/appattempts`);
    if (!attempts.found) return attempts;
    const out: LogServerContainer[] = [];
    for (const attemptId of decodeAttemptIds(attempts.value)) {
      const containers = await this.getJson(`/apps/${appId}/appattempts/${attemptId}/containers`);
      if (!containers.found) return containers;
      for (const c of decodeContainers(containers.value))
        if (!out.some((o) => o.containerId === c.containerId)) out.push(c);
    }
    return { found: true, value: out };
  }

  /** The aggregated files of one container (names, sizes, times, node), in the server's order. */
  async containerLogs(containerId: string): Promise<Lookup<LogServerContainerLogs>> {
    const res = await this.getJson(`/containers/${containerId}/logs`);
    if (!res.found) return res;
    const entry = decodeContainerLogs(res.value).find((e) => e.logAggregationType === 'AGGREGATED');
    if (!entry) return { found: false, status: 404, reason: 'no aggregated logs listed' };
    return { found: true, value: entry };
  }

  /**
   * One file, framed by the server as `yarn logs` frames it (container header,
   * LogType ... End of LogType); `size` as yarn logs' -size. The body streams.
   */
  async logFile(
    containerId: string,
    fileName: string,
    size: number | undefined,
  ): Promise<NodeManagerResponse> {
    const query = size === undefined ? '' : `?size=${size}`;
    const res = await this.get(
      `/containers/${containerId}/logs/${encodeURIComponent(fileName)}${query}`,
      'text/plain',
    );
    if (res.status !== 200) {
      const reason = errorMessage(await readText(res.body));
      throw new LogServerError(
        this.webServiceUrl,
        `GET .../containers/${containerId}/logs/${fileName}: HTTP ${res.status} ${reason}`,
      );
    }
    return res;
  }
}
