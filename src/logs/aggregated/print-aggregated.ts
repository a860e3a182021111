/**
 * Prints a finished application's aggregated logs the way `yarn logs` does,
 * streaming each file's bytes from the remote file system in bounded pieces.
 */
import type { LogsFileSystem } from '../deps.js';
import { fileSelected, type LogsOptions } from '../options.js';
import {
  aggregatedFileTrailer,
  containerLogInfoTable,
  containerOnNode,
  fileHeader,
  formatHadoopTime,
  selectRange,
  type TimeZoneOffset,
} from '../output/yarn-logs-format.js';
import { nodeString, type OutputSink } from '../output/sink.js';
import { AggregatedLogReader, type AggregatedContainer } from './aggregated-log-reader.js';
import type { NodeLogFile } from './locate.js';
import { RemoteFileSource } from './remote-file-source.js';

/** Bytes handed to the output per write. */
const PIECE_BYTES = 64 * 1024;

export interface AggregatedSelection {
  /** Only these containers (undefined = all). */
  containerIds?: ReadonlySet<string>;
  /** Only node files of this NodeId (`host:port`). */
  nodeAddress?: string;
  options: Pick<LogsOptions, 'logFiles' | 'logFilePatterns' | 'size'>;
}

export interface AggregatedContext {
  fs: LogsFileSystem;
  files: readonly NodeLogFile[];
  timeZoneOffset: TimeZoneOffset;
}

/** Node files to read: `-nodeAddress host:port` keeps files whose name contains host_port (as LogsCLI). */
export function nodeFilesFor(files: readonly NodeLogFile[], nodeAddress: string | undefined): NodeLogFile[] {
  if (nodeAddress === undefined) return [...files];
  const wanted = nodeString(nodeAddress);
  return files.filter((f) => f.name.includes(wanted));
}

async function forEachContainer(
  ctx: AggregatedContext,
  sel: Pick<AggregatedSelection, 'containerIds' | 'nodeAddress'>,
  visit: (node: NodeLogFile, container: AggregatedContainer) => Promise<void>,
): Promise<void> {
  for (const node of nodeFilesFor(ctx.files, sel.nodeAddress)) {
    const reader = await AggregatedLogReader.open(
      new RemoteFileSource(ctx.fs, node.path, node.length),
      node.path,
    );
    try {
      for await (const container of reader.containers()) {
        if (sel.containerIds && !sel.containerIds.has(container.containerId)) continue;
        await visit(node, container);
      }
    } finally {
      await reader.close();
    }
  }
}

/** Prints the selected files; returns how many were printed. */
export async function printAggregatedLogs(
  ctx: AggregatedContext,
  sel: AggregatedSelection,
  sink: OutputSink,
): Promise<number> {
  let printed = 0;
  await forEachContainer(ctx, sel, async (node, container) => {
    const lastModified = formatHadoopTime(node.modificationTime, ctx.timeZoneOffset);
    for await (const file of container.files()) {
      if (!fileSelected(sel.options, file.fileName)) continue;
      const out = await sink.forContainer(node.name, container.containerId);
      const { skipBefore, take } = selectRange(file.length, sel.options.size);
      await out.write(
        fileHeader({
          containerId: container.containerId,
          node: node.name,
          type: 'AGGREGATED',
          fileName: file.fileName,
          lastModified,
          length: file.length,
        }),
      );
      await file.skip(skipBefore);
      let left = take;
      while (left > 0) {
        const piece = await file.read(Math.min(PIECE_BYTES, left));
        if (piece === null) break;
        left -= piece.length;
        await out.write(piece);
      }
      await out.write(aggregatedFileTrailer(file.fileName));
      printed++;
    }
  });
  return printed;
}

export interface ContainerOnNode {
  containerId: string;
  node: string;
}

/** The containers in the aggregated files, in file order. */
export async function listAggregatedContainers(
  ctx: AggregatedContext,
  sel: Pick<AggregatedSelection, 'containerIds' | 'nodeAddress'>,
): Promise<ContainerOnNode[]> {
  const out: ContainerOnNode[] = [];
  await forEachContainer(ctx, sel, async (node, container) => {
    out.push({ containerId: container.containerId, node: node.name });
  });
  return out;
}

/** `-show_container_log_info` for a finished application; returns how many containers were shown. */
export async function printAggregatedLogInfo(
  ctx: AggregatedContext,
  sel: Pick<AggregatedSelection, 'containerIds' | 'nodeAddress'>,
  sink: OutputSink,
): Promise<number> {
  let shown = 0;
  await forEachContainer(ctx, sel, async (node, container) => {
    const lastModified = formatHadoopTime(node.modificationTime, ctx.timeZoneOffset);
    const files = [];
    for await (const f of container.files()) {
      files.push({ fileName: f.fileName, length: String(f.length), lastModified, type: 'AGGREGATED' });
    }
    await sink.main.write(containerLogInfoTable(container.containerId, node.name, files));
    shown++;
  });
  return shown;
}

/** `-show_application_log_info` lines for containers. */
export function containerLines(containers: readonly ContainerOnNode[]): string {
  return containers.map((c) => `${containerOnNode(c.containerId, c.node)}\n`).join('');
}
