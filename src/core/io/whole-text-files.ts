import { codecFor, decompress } from './compression.js';
import type { FileStatus, FileSystem } from './file-system.js';
import { listInputFiles } from './glob.js';

/**
 * wholeTextFiles: one record per file, `[path, content]`, as Spark's
 * WholeTextFileInputFormat (content decoded as UTF-8; .gz/.deflate decompressed).
 */

export interface WholeFilesSplit {
  /** Qualified paths of the files read by this partition, in listing order. */
  paths: string[];
  length: number;
}

/**
 * Groups input files into partitions of about totalSize / minPartitions bytes, in
 * listing order (what CombineFileInputFormat does with a max split size of
 * ceil(total / minPartitions) when every file is on one host). A file is never split.
 */
export function planWholeFileSplits(files: readonly FileStatus[], minPartitions: number): WholeFilesSplit[] {
  let total = 0;
  for (const f of files) total += f.length;
  const maxSplitSize = Math.max(1, Math.ceil(total / Math.max(1, Math.floor(minPartitions))));
  const splits: WholeFilesSplit[] = [];
  let current: WholeFilesSplit = { paths: [], length: 0 };
  for (const f of files) {
    current.paths.push(f.path);
    current.length += f.length;
    if (current.length >= maxSplitSize) {
      splits.push(current);
      current = { paths: [], length: 0 };
    }
  }
  if (current.paths.length > 0) splits.push(current);
  return splits;
}

export async function computeWholeFileSplits(
  fs: FileSystem,
  pathOrGlob: string,
  minPartitions: number,
): Promise<WholeFilesSplit[]> {
  return planWholeFileSplits(await listInputFiles(fs, pathOrGlob), minPartitions);
}

/** The whole content of one file as a string (decompressed by extension). */
export async function readWholeTextFile(fs: FileSystem, path: string): Promise<string> {
  const codec = codecFor(path);
  const raw = await fs.open(path);
  const stream = codec === undefined ? raw : decompress(raw, codec);
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  return Buffer.concat(parts).toString('utf8');
}

/** `[path, content]` records for the files of one split, one file per batch. */
export async function* readWholeTextFiles(
  fs: FileSystem,
  split: WholeFilesSplit,
): AsyncGenerator<[string, string][]> {
  for (const path of split.paths) yield [[path, await readWholeTextFile(fs, path)]];
}
