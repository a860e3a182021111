/**
 * `tspark logs` for a finished application whose logs are in the indexed
 * format, read through the log server. The server frames every file exactly
 * as `yarn logs` does for that format (a container header before each file),
 * so the output is the servers' bodies, in `yarn logs`' order:
 *
 *   containers: node files in HDFS listing order; inside one node file, the
 *               order of the index's java.util.HashMap of container ids
 *   files:      the order of the server's file list (the index's order)
 *
 * -size goes to the server (same semantics as yarn logs'), -log_files and
 * -log_files_pattern pick names from the server's file list.
 */
import { fileSelected, type LogsOptions } from '../options.js';
import { containerLogInfoTable, javaHashSetOrder } from '../output/yarn-logs-format.js';
import { nodeString, type LogWriter, type OutputSink } from '../output/sink.js';
import type { LogServerClient } from './log-server-client.js';
import { MISSING_LOG_PREFIX, type LogServerContainerLogs } from './log-server-codec.js';

export interface LogServerContext {
  client: LogServerClient;
  /** Names of the application's node files (`host_port`), in HDFS listing order. */
  nodeFiles: readonly string[];
  options: Pick<LogsOptions, 'logFiles' | 'logFilePatterns' | 'size' | 'nodeAddress'>;
  sink: OutputSink;
  warn(message: string): void;
}

export type ContainerWithLogs = LogServerContainerLogs;

/**
 * The aggregated file lists of these containers; a container the server has
 * no aggregated logs for is left out (and named when `explicit`), as yarn
 * logs prints nothing for it. -nodeAddress filters on the server's NodeId.
 */
export async function containersWithLogs(
  ctx: LogServerContext,
  containerIds: readonly string[],
  explicit: boolean,
): Promise<{ containers: ContainerWithLogs[]; misses: { containerId: string; reason: string }[] }> {
  const out: ContainerWithLogs[] = [];
  const misses: { containerId: string; reason: string }[] = [];
  for (const id of containerIds) {
    const logs = await ctx.client.containerLogs(id);
    if (!logs.found) {
      misses.push({ containerId: id, reason: logs.reason });
      if (explicit) ctx.warn(`The log server has no aggregated logs of ${id}: ${logs.reason}`);
      continue;
    }
    const wanted = ctx.options.nodeAddress;
    if (wanted !== undefined && logs.value.nodeId.toLowerCase() !== wanted.toLowerCase()) continue;
    out.push({ ...logs.value, containerId: logs.value.containerId || id });
  }
  return { containers: out, misses };
}

/**
 * Hadoop 3.4's indexed-format reader remembers the UUID of the first
 * application it read (LogAggregationIndexedFileController.uuid; MAPREDUCE-7539),
 * so a long-running log server then fails for every other application with
 * this sentence, although the files are there.
 */
export function looksLikeStaleUuid(reason: string): boolean {
  return /Can not get log meta for request/i.test(reason);
}

/** `yarn logs`' container order for the indexed format (see the header). */
export function yarnLogsOrder<T extends { containerId: string; nodeId: string }>(
  containers: readonly T[],
  nodeFiles: readonly string[],
): T[] {
  const byNode = new Map<string, T[]>();
  for (const c of containers) {
    const node = nodeString(c.nodeId);
    byNode.set(node, [...(byNode.get(node) ?? []), c]);
  }
  const rank = (node: string): number => {
    const i = nodeFiles.indexOf(node);
    return i < 0 ? nodeFiles.length : i;
  };
  const nodes = [...byNode.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return nodes.flatMap((node) => {
    const group = byNode.get(node)!;
    const ids = javaHashSetOrder(group.map((c) => c.containerId).sort());
    return ids.map((id) => group.find((c) => c.containerId === id)!);
  });
}

/** Prints the selected files of these containers; returns how many were printed. */
export async function printLogServerLogs(
  ctx: LogServerContext,
  containers: readonly ContainerWithLogs[],
): Promise<number> {
  let printed = 0;
  for (const c of yarnLogsOrder(containers, ctx.nodeFiles)) {
    for (const f of c.files) {
      if (!fileSelected(ctx.options, f.fileName)) continue;
      const out = await ctx.sink.forContainer(c.nodeId, c.containerId);
      if (await copyLogFile(ctx, c.containerId, f.fileName, out)) printed++;
    }
  }
  return printed;
}

/** Streams one file's framed body; false when the server says it has no such file. */
async function copyLogFile(
  ctx: LogServerContext,
  containerId: string,
  fileName: string,
  out: LogWriter,
): Promise<boolean> {
  const res = await ctx.client.logFile(containerId, fileName, ctx.options.size);
  // Hold back the first bytes until it is clear they are not the "not found" sentence.
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const piece of res.body) {
    if (head === undefined) {
      await out.write(piece);
      continue;
    }
    head = Buffer.concat([head, piece]);
    if (head.length < MISSING_LOG_PREFIX.length) continue;
    if (head.subarray(0, MISSING_LOG_PREFIX.length).toString('latin1') === MISSING_LOG_PREFIX) {
      ctx.warn(`The log server has no file ${fileName} of ${containerId}.`);
      return false;
    }
    await out.write(head);
    head = undefined;
  }
  if (head !== undefined) {
    if (MISSING_LOG_PREFIX.startsWith(head.toString('latin1')) && head.length > 0) {
      ctx.warn(`The log server has no file ${fileName} of ${containerId}.`);
      return false;
    }
    await out.write(head);
  }
  return true;
}

/** `-show_container_log_info` from the server's file lists (yarn logs lists containers by id here). */
export async function printLogServerLogInfo(
  ctx: LogServerContext,
  containers: readonly ContainerWithLogs[],
): Promise<number> {
  const sorted = [...containers].sort((a, b) => a.containerId.localeCompare(b.containerId));
  for (const c of sorted) {
    await ctx.sink.main.write(
      containerLogInfoTable(
        c.containerId,
        c.nodeId,
        c.files.map((f) => ({
          fileName: f.fileName,
          length: f.fileSize,
          lastModified: f.lastModifiedTime,
          type: c.logAggregationType,
        })),
      ),
    );
  }
  return sorted.length;
}
