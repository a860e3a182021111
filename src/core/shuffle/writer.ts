/**
 * Map side of the shuffle: one task's records -> one data file + one index file.
 *
 *   records --(partition, combine if an aggregator)--> in-memory buffer
 *        \__ budget refuses to grow: drain (sorted per partition when keys are ordered
 *            or combined) into a spill run file, continue
 *   end: per reduce partition, merge the spill runs and the buffer (k-way merge on keys,
 *        folding equal keys with mergeCombiners; or byte concatenation when neither
 *        order nor combining is asked for) -> data file; offsets -> index file.
 *
 * Data file: for each reduce partition in order, a framed stream of [key, value]
 * batches (serde.ts). Index file: numPartitions + 1 big-endian int64 byte offsets into
 * the data file; partition p is bytes [offset[p], offset[p+1]).
 *
 * Both files are written under temporary names and renamed into place, so a reader
 * never sees a partial output, and a retried attempt simply replaces them. Spill files
 * and temporary files are deleted when the task ends, successfully or not.
 */
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Partitioner } from '../partitioner.js';
import type { Aggregator } from './aggregator.js';
import { CombiningBuffer, RecordBuffer, SerializedRecordBuffer, type ShuffleBuffer } from './buffers.js';
import { ascendingKeys, descendingKeys, type Fold, type KeyComparator } from './merge.js';
import type { MemoryBudget } from './memory.js';
import { RunWriter } from './run-file.js';
import { mergeFanIn, SpillFiles, writeMerged, type MergeMode } from './spill.js';

export interface ShuffleWriteSpec {
  shuffleId: number;
  mapId: number;
  partitioner: Partitioner;
  /** Present => map-side combine. */
  aggregator?: Aggregator<unknown, unknown>;
  /**
   * Sort records by key within each reduce partition (`true` = ascending). Lets the
   * reduce side merge instead of sort (`ShuffleReadSpec.inputsSorted`).
   */
  sortKeys?: boolean | 'ascending' | 'descending';
  /** Where data/index/spill files go (under spark.local.dir); created if missing. */
  dir: string;
  memory: MemoryBudget;
}

export interface ShuffleWriteMetrics {
  /** Records in the data file (after map-side combine). */
  recordsWritten: number;
  /** Size of the data file. */
  bytesWritten: number;
  spillCount: number;
  spillBytes: number;
}

export interface MapOutput {
  shuffleId: number;
  mapId: number;
  dataPath: string;
  indexPath: string;
  /** Bytes per reduce partition. */
  partitionLengths: number[];
  metrics: ShuffleWriteMetrics;
}

/** Final names of a map output, as Spark names them. */
export function shuffleFilePaths(
  dir: string,
  shuffleId: number,
  mapId: number,
): { dataPath: string; indexPath: string } {
  const base = join(dir, `shuffle_${shuffleId}_${mapId}_0`);
  return { dataPath: `${base}.data`, indexPath: `${base}.index` };
}

/** Encodes partition offsets as the index file: big-endian int64 each. */
export function encodeIndex(offsets: readonly number[]): Buffer {
  const buf = Buffer.alloc(8 * offsets.length);
  for (let i = 0; i < offsets.length; i++) buf.writeBigInt64BE(BigInt(offsets[i]!), 8 * i);
  return buf;
}

function sortDirection(sortKeys: ShuffleWriteSpec['sortKeys']): KeyComparator | undefined {
  if (sortKeys === undefined || sortKeys === false) return undefined;
  return sortKeys === 'descending' ? descendingKeys : ascendingKeys;
}

export async function writeShuffleOutput(
  records: AsyncIterable<[unknown, unknown][]>,
  spec: ShuffleWriteSpec,
): Promise<MapOutput> {
  const { partitioner, aggregator, dir, memory } = spec;
  const numPartitions = partitioner.numPartitions;
  const order = sortDirection(spec.sortKeys);
  // Spill runs must be sorted whenever runs are merged on keys: for ordered output, and
  // for combining (equal keys of different runs must meet). Aggregation without an
  // order still merges on compareKeys, ascending.
  const mergeCmp = order ?? (aggregator !== undefined ? ascendingKeys : undefined);
  const combineSpilled: Fold | undefined =
    aggregator === undefined
      ? undefined
      : { first: (c) => c, add: (a, b) => aggregator.mergeCombiners(a, b) };
  const mode: MergeMode =
    mergeCmp === undefined ? { kind: 'concat' } : { kind: 'merge', cmp: mergeCmp, fold: combineSpilled };

  await mkdir(dir, { recursive: true });
  const files = new SpillFiles(dir, `shuffle_${spec.shuffleId}_${spec.mapId}`);
  let dispose: () => void = () => undefined;
  try {
    let written: { offsets: number[]; records: number };
    const dataTmp = files.newPath('data.tmp');
    if (mode.kind === 'concat') {
      const buffer = new SerializedRecordBuffer(partitioner, memory);
      dispose = () => buffer.dispose();
      for await (const batch of records) {
        let i = 0;
        while (i < batch.length) {
          i = buffer.insert(batch, i);
          if (i < batch.length) {
            const n = buffer.size;
            await files.spillFrames(buffer.drainFrames(), n);
          }
        }
      }
      await files.compact(mode);
      const frameRecords = buffer.size;
      written = await writeDataFile(dataTmp, (out) =>
        writeMerged(files.runs, { frames: buffer.drainFrames(), frameRecords }, out, mode, numPartitions),
      );
    } else {
      const buffer: ShuffleBuffer =
        aggregator === undefined
          ? new RecordBuffer(partitioner, memory)
          : new CombiningBuffer(
              partitioner,
              { first: (v) => aggregator.createCombiner(v), add: (c, v) => aggregator.mergeValue(c, v) },
              memory,
            );
      dispose = () => buffer.dispose();
      for await (const batch of records) {
        let i = 0;
        while (i < batch.length) {
          i = buffer.insert(batch, i);
          if (i < batch.length) await files.spill(buffer.drain(mode.cmp));
        }
      }
      await files.compact(mode, mergeFanIn(memory.limit));
      // Without spills nothing is merged: the buffer only needs the output order.
      const inMemory = buffer.drain(files.runs.length > 0 ? mode.cmp : order);
      written = await writeDataFile(dataTmp, (out) =>
        writeMerged(files.runs, { records: inMemory }, out, mode, numPartitions),
      );
    }
    const bytesWritten = written.offsets[numPartitions]!;
    const indexTmp = files.newPath('index.tmp');
    await writeDataFile(indexTmp, (out) => out.write(encodeIndex(written.offsets)));
    const { dataPath, indexPath } = shuffleFilePaths(dir, spec.shuffleId, spec.mapId);
    // Data first: an index in place means its data file is complete.
    await rename(dataTmp, dataPath);
    await rename(indexTmp, indexPath);

    const partitionLengths: number[] = [];
    for (let p = 0; p < numPartitions; p++)
      partitionLengths.push(written.offsets[p + 1]! - written.offsets[p]!);
    return {
      shuffleId: spec.shuffleId,
      mapId: spec.mapId,
      dataPath,
      indexPath,
      partitionLengths,
      metrics: {
        recordsWritten: written.records,
        bytesWritten,
        spillCount: files.spillCount,
        spillBytes: files.spillBytes,
      },
    };
  } finally {
    dispose();
    await files.deleteAll();
  }
}

async function writeDataFile<T>(path: string, write: (out: RunWriter) => Promise<T>): Promise<T> {
  const out = await RunWriter.create(path);
  try {
    const result = await write(out);
    await out.close();
    return result;
  } catch (e) {
    await out.abort();
    throw e;
  }
}
