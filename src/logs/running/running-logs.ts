/**
 * Logs of a running application, from the NodeManagers' web services, as
 * LogsCLI prints them: containers sorted by id; per container the file names
 * the NM lists, fetched in java.util.HashSet order (LogsCLI keeps them in
 * one), each response printed verbatim (the NM already frames it) plus a
 * newline. An unreachable NodeManager is reported and skipped.
 */
import type { LogsDeps, LogsNodeReport } from '../deps.js';
import { NodeManagerUnreachableError } from '../errors.js';
import {
  decodeContainerLogsList,
  decodeNmAppContainers,
  type NmLogFileInfo,
} from '../nodemanager/nm-codec.js';
import { readText } from '../nodemanager/nm-http.js';
import { fileSelected, type LogsOptions } from '../options.js';
import { containerLogInfoTable, javaHashSetOrder } from '../output/yarn-logs-format.js';
import type { OutputSink } from '../output/sink.js';
import { CONTAINER_ID_PATTERN } from '../options.js';

export interface RunningContainer {
  containerId: string;
  /** NodeId, `host:port`. */
  nodeId: string;
  /** NM web address, `host:port`. */
  nodeHttpAddress: string;
}

/** ContainerId order (attempt, then epoch and sequence), as LogsCLI's TreeMap. */
export function compareContainerIds(a: string, b: string): number {
  const key = (id: string): [number, number, number] => {
    const m = CONTAINER_ID_PATTERN.exec(id);
    if (!m) return [Number.MAX_SAFE_INTEGER, 0, 0];
    return [Number(m[4]), Number(m[1] ?? 0), Number(m[5])];
  };
  const [ka, kb] = [key(a), key(b)];
  return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2] || (a < b ? -1 : a > b ? 1 : 0);
}

const stripScheme = (address: string): string => address.replace(/^https?:\/\//, '');

/**
 * The application's containers: the AM container of every attempt (RM) and
 * whatever each running NodeManager holds for the application.
 */
export async function listRunningContainers(
  deps: Pick<LogsDeps, 'rm' | 'nodeManagers'>,
  appId: string,
  failures: Error[],
): Promise<RunningContainer[]> {
  const found = new Map<string, RunningContainer>();
  for (const a of await deps.rm.getApplicationAttempts(appId)) {
    if (a.containerId) {
      found.set(a.containerId, {
        containerId: a.containerId,
        nodeId: a.nodeId,
        nodeHttpAddress: stripScheme(a.nodeHttpAddress),
      });
    }
  }
  const nodes: LogsNodeReport[] = (await deps.rm.listNodes()).filter((n) => n.state === 'RUNNING');
  for (const node of nodes) {
    let containerIds: string[];
    try {
      const res = await deps.nodeManagers.get(
        node.nodeHttpAddress,
        `/ws/v1/node/apps/${appId}`,
        'application/json',
      );
      const text = await readText(res.body);
      if (res.status === 404) continue;
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      containerIds = decodeNmAppContainers(JSON.parse(text));
    } catch (e) {
      failures.push(new NodeManagerUnreachableError(node.nodeHttpAddress, `(containers of ${appId})`, e));
      continue;
    }
    for (const id of containerIds) {
      if (!found.has(id))
        found.set(id, {
          containerId: id,
          nodeId: node.id,
          nodeHttpAddress: stripScheme(node.nodeHttpAddress),
        });
    }
  }
  return [...found.values()].sort((a, b) => compareContainerIds(a.containerId, b.containerId));
}

/** The NM's list of a container's log files; undefined if the NM does not know the container (404). */
export async function fetchContainerLogList(
  deps: Pick<LogsDeps, 'nodeManagers'>,
  c: RunningContainer,
): Promise<NmLogFileInfo[] | undefined> {
  const res = await deps.nodeManagers.get(
    c.nodeHttpAddress,
    `/ws/v1/node/containers/${c.containerId}/logs`,
    'application/json',
  );
  const text = await readText(res.body);
  if (res.status === 404) return undefined;
  if (res.status !== 200)
    throw new Error(`HTTP ${res.status} listing the logs of ${c.containerId}: ${text.slice(0, 200)}`);
  return decodeContainerLogsList(JSON.parse(text));
}

export function logFilePath(containerId: string, fileName: string, size: number | undefined): string {
  const q = size === undefined ? '' : `?size=${size}`;
  return `/ws/v1/node/containers/${containerId}/logs/${encodeURIComponent(fileName)}${q}`;
}

export interface RunningPrintResult {
  /** Files printed. */
  printed: number;
  /** Containers whose NM answered with a file list. */
  reached: number;
}

/** Prints the selected log files of running containers. */
export async function printRunningLogs(
  deps: Pick<LogsDeps, 'nodeManagers'>,
  containers: readonly RunningContainer[],
  options: Pick<LogsOptions, 'logFiles' | 'logFilePatterns' | 'size'>,
  sink: OutputSink,
  failures: Error[],
): Promise<RunningPrintResult> {
  let printed = 0;
  let reached = 0;
  for (const c of containers) {
    let names: string[];
    try {
      const list = await fetchContainerLogList(deps, c);
      if (list === undefined) continue;
      reached++;
      names = javaHashSetOrder(list.map((f) => f.fileName).filter((n) => fileSelected(options, n)));
    } catch (e) {
      failures.push(new NodeManagerUnreachableError(c.nodeHttpAddress, c.containerId, e));
      continue;
    }
    const out = await sink.forContainer(c.nodeId, c.containerId);
    for (const name of names) {
      try {
        const res = await deps.nodeManagers.get(
          c.nodeHttpAddress,
          logFilePath(c.containerId, name, options.size),
          'text/plain',
        );
        if (res.status === 200) {
          for await (const piece of res.body) await out.write(piece);
          await out.write('\n');
        } else {
          const body = await readText(res.body);
          await out.write(
            `Can not get any logs for the log file: ${name}\n` +
              `Response from the NodeManager:${c.nodeId} WebService is not successful, HTTP error code: ${res.status}, Server response:\n${body}\n`,
          );
        }
        printed++;
      } catch (e) {
        failures.push(new NodeManagerUnreachableError(c.nodeHttpAddress, c.containerId, e));
        break;
      }
    }
  }
  return { printed, reached };
}

/** `-show_container_log_info` for running containers. */
export async function printRunningLogInfo(
  deps: Pick<LogsDeps, 'nodeManagers'>,
  containers: readonly RunningContainer[],
  sink: OutputSink,
  failures: Error[],
): Promise<number> {
  let shown = 0;
  for (const c of containers) {
    try {
      const list = await fetchContainerLogList(deps, c);
      if (list === undefined) continue;
      const rows = list.map((f) => ({
        fileName: f.fileName,
        length: f.fileSize,
        lastModified: f.lastModifiedTime,
        type: f.logAggregationType,
      }));
      await sink.main.write(containerLogInfoTable(c.containerId, c.nodeId, rows));
      shown++;
    } catch (e) {
      failures.push(new NodeManagerUnreachableError(c.nodeHttpAddress, c.containerId, e));
    }
  }
  return shown;
}
