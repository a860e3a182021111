/**
 * Decoding of the NodeManager web services that `tspark logs` reads
 * (shapes captured from the Hadoop 3.4 test cluster; Jersey 1 "natural" JSON,
 * where a one-element list may come back as a bare object):
 *
 *   GET /ws/v1/node/containers/{id}/logs
 *     {"containerLogsInfo": {"containerLogInfo": [{"fileName","fileSize","lastModifiedTime"}...],
 *                            "logAggregationType": "LOCAL", "containerId", "nodeId"}}
 *     (an array of such objects when aggregated logs exist too)
 *   GET /ws/v1/node/apps/{appId}   {"app": {"id", "state", "user", "containerids": [...]}}
 *   GET /ws/v1/node/containers/{id} {"container": {"id", "state", "exitCode", "nodeId", ...}}
 *   GET /ws/v1/node/containers/{id}/logs/{file}[?size=N]  text with yarn logs' framing:
 *     Container: <id> on <nodeId>\nLogAggregationType: LOCAL\n====\nLogType:<f>\n
 *     LogLastModifiedTime:<t>\nLogLength:<n>\nLogContents:\n<bytes>End of LogType:<f>[.This log file belongs
 *     to a running container (<id>) and so may not be complete.]\n****\n\n
 */

export interface NmLogFileInfo {
  fileName: string;
  /** As the NM wrote it (decimal). */
  fileSize: string;
  lastModifiedTime: string;
  logAggregationType: string;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

export function decodeContainerLogsList(json: unknown): NmLogFileInfo[] {
  const root = (json as Record<string, unknown> | null)?.containerLogsInfo;
  const out: NmLogFileInfo[] = [];
  for (const group of asArray(root)) {
    const g = group as Record<string, unknown>;
    const type = str(g.logAggregationType) ?? 'N/A';
    for (const f of asArray(g.containerLogInfo)) {
      const file = f as Record<string, unknown>;
      out.push({
        fileName: str(file.fileName) ?? 'N/A',
        fileSize: str(file.fileSize) ?? 'N/A',
        lastModifiedTime: str(file.lastModifiedTime) ?? 'N/A',
        logAggregationType: type,
      });
    }
  }
  return out;
}

export function decodeNmAppContainers(json: unknown): string[] {
  const app = (json as Record<string, unknown> | null)?.app as Record<string, unknown> | undefined;
  return asArray(app?.containerids)
    .map(str)
    .filter((s): s is string => s !== undefined);
}

export function decodeNmContainerState(json: unknown): string | undefined {
  const c = (json as Record<string, unknown> | null)?.container as Record<string, unknown> | undefined;
  return str(c?.state);
}

export interface LogFraming {
  fileName: string;
  /** LogLength: the whole file's length when the NM read it. */
  fileLength: number;
  /** Offset of the first content byte in the response. */
  contentStart: number;
}

const CONTENTS_MARKER = Buffer.from('LogContents:\n');

/**
 * Reads the header of a framed log response; undefined until the whole
 * header ("...LogContents:\n") is in `head`.
 */
export function parseLogFraming(head: Buffer): LogFraming | undefined {
  const at = head.indexOf(CONTENTS_MARKER);
  if (at < 0) return undefined;
  const header = head.subarray(0, at).toString('utf8');
  const type = /^LogType:(.*)$/m.exec(header);
  const length = /^LogLength:(\d+)$/m.exec(header);
  if (!type || !length) return undefined;
  return { fileName: type[1]!, fileLength: Number(length[1]), contentStart: at + CONTENTS_MARKER.length };
}

/** How many content bytes a framed response carries for a -size request (LogToolUtils' rule). */
export function framedContentLength(fileLength: number, size: number | undefined): number {
  if (size === undefined) return fileLength;
  return size < 0 ? Math.min(-size, fileLength) : Math.min(size, fileLength);
}
