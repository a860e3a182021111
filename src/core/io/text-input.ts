import { Readable } from 'node:stream';
import { codecFor, decompress } from './compression.js';
import { countBytes } from './count-bytes.js';
import { InvalidInputError } from './errors.js';
import type { BlockLocation, FileStatus, FileSystem } from './file-system.js';
import { listInputFiles } from './glob.js';
import { readLineBatches } from './line-reader.js';
import { mapLimited } from './map-limited.js';

/**
 * Text input as Hadoop's FileInputFormat + LineRecordReader (what Spark's textFile uses).
 */

export interface FileSplit {
  path: string;
  start: number;
  length: number;
  /** Hosts of the block the split starts in: the split's preferred locations. */
  hosts: string[];
}

/** The last split may be up to 10 % larger than the others rather than leave a sliver (Hadoop's SPLIT_SLOP). */
export const SPLIT_SLOP = 1.1;
/** mapreduce.input.fileinputformat.split.minsize default. */
export const MIN_SPLIT_SIZE = 1;

/** Hadoop's computeSplitSize: max(minSize, min(goalSize, blockSize)). */
export function computeSplitSize(goalSize: number, minSize: number, blockSize: number): number {
  return Math.max(minSize, Math.min(goalSize, blockSize));
}

export interface InputFile {
  status: FileStatus;
  blocks: BlockLocation[];
  splittable: boolean;
}

/**
 * Hadoop (mapred) FileInputFormat.getSplits arithmetic over already listed files:
 * goalSize = floor(totalSize / minPartitions); each splittable file is cut into
 * splitSize pieces while the remainder is more than SPLIT_SLOP x splitSize; an
 * unsplittable file is one split; an empty file still gets one (empty) split.
 */
export function planSplits(files: readonly InputFile[], minPartitions: number): FileSplit[] {
  const numSplits = Math.max(1, Math.floor(minPartitions));
  let totalSize = 0;
  for (const f of files) totalSize += f.status.length;
  const goalSize = Math.floor(totalSize / numSplits);
  const splits: FileSplit[] = [];
  for (const { status, blocks, splittable } of files) {
    const length = status.length;
    if (length === 0) {
      splits.push({ path: status.path, start: 0, length: 0, hosts: [] });
      continue;
    }
    if (!splittable) {
      splits.push({ path: status.path, start: 0, length, hosts: hostsAt(blocks, 0) });
      continue;
    }
    const splitSize = computeSplitSize(goalSize, MIN_SPLIT_SIZE, status.blockSize);
    let remaining = length;
    while (remaining / splitSize > SPLIT_SLOP) {
      const start = length - remaining;
      splits.push({ path: status.path, start, length: splitSize, hosts: hostsAt(blocks, start) });
      remaining -= splitSize;
    }
    if (remaining !== 0) {
      const start = length - remaining;
      splits.push({ path: status.path, start, length: remaining, hosts: hostsAt(blocks, start) });
    }
  }
  return splits;
}

/** Hosts of the block containing `offset` (Hadoop's getBlockIndex), [] if none does. */
function hostsAt(blocks: readonly BlockLocation[], offset: number): string[] {
  for (const b of blocks) if (offset >= b.offset && offset < b.offset + b.length) return [...b.hosts];
  return [];
}

/** Block-location requests in flight while planning (one per input file). */
const BLOCK_LOOKUP_CONCURRENCY = 16;

/** Lists the input (paths, globs, directories; see listInputFiles) and plans its splits. */
export async function computeTextSplits(
  fs: FileSystem,
  pathOrGlob: string,
  minPartitions: number,
): Promise<FileSplit[]> {
  const statuses = await listInputFiles(fs, pathOrGlob);
  const files = await mapLimited(statuses, BLOCK_LOOKUP_CONCURRENCY, async (status): Promise<InputFile> => {
    const splittable = codecFor(status.path) === undefined;
    const blocks = status.length === 0 ? [] : await fs.blockLocations(status.path, 0, status.length);
    return { status, blocks, splittable };
  });
  return planSplits(files, minPartitions);
}

/** First read reaches this far past the split end, for the line that crosses it. */
const LOOKAHEAD_BYTES = 64 * 1024;
/** Further reads, only for a line longer than the lookahead. */
const CONTINUATION_BYTES = 4 * 1024 * 1024;

/**
 * Bytes of `path` from `start` to the end of the file, read as bounded ranges: the
 * first reaches `firstEnd`, later ones follow only while the reader wants more. A
 * range shorter than asked for means end of file. (Bounded ranges matter on HDFS,
 * where an open-ended read would stream the rest of the file.)
 */
async function* rangeChunks(
  fs: FileSystem,
  path: string,
  start: number,
  firstEnd: number,
): AsyncGenerator<Buffer> {
  let offset = start;
  let end = firstEnd;
  for (;;) {
    const stream = await fs.open(path, { start: offset, end });
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      offset += buf.length;
      yield buf;
    }
    if (offset < end) return;
    end = offset + CONTINUATION_BYTES;
  }
}

/** The lines of one split, in batches (see line-reader.ts for the boundary rule). */
export async function* readTextSplit(
  fs: FileSystem,
  split: FileSplit,
  onBytesRead: (n: number) => void = () => undefined,
): AsyncGenerator<string[]> {
  const codec = codecFor(split.path);
  if (codec !== undefined) {
    if (split.start !== 0) {
      throw new InvalidInputError(
        'UNSPLITTABLE_INPUT',
        split.path,
        `${split.path} is compressed and cannot be read from offset ${split.start}; compressed files are one split each.`,
      );
    }
    // counted before decompression: the bytes the file system delivered
    const stream = decompress(Readable.from(countBytes(await fs.open(split.path) as AsyncIterable<Buffer>, onBytesRead)), codec);
    yield* readLineBatches(stream as AsyncIterable<Buffer>, { start: 0, end: Number.POSITIVE_INFINITY });
    return;
  }
  const end = split.start + split.length;
  yield* readLineBatches(countBytes(rangeChunks(fs, split.path, split.start, end + LOOKAHEAD_BYTES), onBytesRead), {
    start: split.start,
    end,
  });
}
