/**
 * The JSON a YARN log server answers with (the ApplicationHistoryServer's
 * `/ws/v1/applicationhistory`; the JobHistoryServer's `/ws/v1/history` serves
 * the container endpoints the same way), decoded into plain records. Shapes
 * checked against Hadoop 3.4.3 (test/fixtures/logs/log-server):
 *
 *   GET .../apps/<app>/appattempts                      {"appAttempt":[{"appAttemptId":...}, ...]}
 *   GET .../apps/<app>/appattempts/<attempt>/containers {"container":[{"containerId","assignedNodeId","nodeId",...}]}
 *   GET .../containers/<c>/logs                         [{"containerLogInfo":[{"fileName","fileSize","lastModifiedTime"}],
 *                                                         "logAggregationType","containerId","nodeId"}]
 *   GET .../containers/<c>/logs/<file>[?size=n]         text: `yarn logs`' framing of that one file
 *
 * Jersey's JSON may write a one-element list as the element itself, so every
 * list here accepts both.
 */

export interface LogServerContainer {
  containerId: string;
  /** NodeId `host:port`, when the server says. */
  nodeId?: string;
}

export interface LogServerFileInfo {
  fileName: string;
  /** As the server formats it (decimal bytes). */
  fileSize: string;
  /** As the server formats it (`EEE MMM dd HH:mm:ss Z yyyy` in the server's zone). */
  lastModifiedTime: string;
}

export interface LogServerContainerLogs {
  containerId: string;
  nodeId: string;
  logAggregationType: string;
  files: LogServerFileInfo[];
}

/** The body a finished container's file request gets when the file is not there (HTTP 200). */
export const MISSING_LOG_PREFIX = 'Can not find logs for container:';

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${what}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** Attempt ids of `/apps/<app>/appattempts`. */
export function decodeAttemptIds(json: unknown): string[] {
  const root = record(json, 'appattempts');
  return list(root.appAttempt)
    .map((a) => str(record(a, 'appAttempt').appAttemptId))
    .filter((id): id is string => id !== undefined);
}

/** Containers of `/apps/<app>/appattempts/<attempt>/containers`. */
export function decodeContainers(json: unknown): LogServerContainer[] {
  const root = record(json, 'containers');
  return list(root.container).flatMap((c) => {
    const r = record(c, 'container');
    const containerId = str(r.containerId);
    if (!containerId) return [];
    const nodeId = str(r.assignedNodeId) ?? str(r.nodeId);
    return [nodeId ? { containerId, nodeId } : { containerId }];
  });
}

/** `/containers/<c>/logs`: one entry per aggregation type (AGGREGATED, and LOCAL for a running app). */
export function decodeContainerLogs(json: unknown): LogServerContainerLogs[] {
  const entries = Array.isArray(json) ? json : list(record(json, 'containerLogsInfo').containerLogsInfo);
  return entries.map((e) => {
    const r = record(e, 'containerLogsInfo');
    return {
      containerId: str(r.containerId) ?? '',
      nodeId: str(r.nodeId) ?? '',
      logAggregationType: str(r.logAggregationType) ?? '',
      files: list(r.containerLogInfo).map((f) => {
        const fr = record(f, 'containerLogInfo');
        return {
          fileName: str(fr.fileName) ?? '',
          fileSize: str(fr.fileSize) ?? '',
          lastModifiedTime: str(fr.lastModifiedTime) ?? '',
        };
      }),
    };
  });
}

/** The `message` of a Hadoop web-service error body (`{"exception","message","javaClassName"}`), else the text. */
export function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const r = parsed as Record<string, unknown>;
      const inner =
        typeof r.RemoteException === 'object' ? (r.RemoteException as Record<string, unknown>) : r;
      const msg = str(inner.message);
      if (msg) return msg.trim().split('\n')[0]!;
    }
  } catch {
    // not JSON
  }
  return body.trim().split('\n')[0]?.slice(0, 300) ?? '';
}
