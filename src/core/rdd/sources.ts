import { computeTextSplits } from '../io/text-input.js';
import { listInputFiles } from '../io/glob.js';
import { baseName } from '../io/paths.js';
import { FileSourceRDD, type RDD } from './rdd.js';
import type { RddContext } from './rdd-context.js';
import type { FilePartition, FilesPartition } from './spec.js';

/** File sources: partitions come from listing the input when a job first needs them. */

export function textFile(ctx: RddContext, path: string, minPartitions: number): RDD<string> {
  return new FileSourceRDD<string>(ctx, 'textFile', async () => {
    const splits = await computeTextSplits(ctx.fileSystem(path), path, minPartitions);
    return splits.map((split, index): FilePartition => ({ index, split }));
  }).setName(`textFile ${path}`);
}

/** One record per file: [path, content]; files are spread over at most minPartitions partitions by size. */
export function wholeTextFiles(ctx: RddContext, path: string, minPartitions: number): RDD<[string, string]> {
  return new FileSourceRDD<[string, string]>(ctx, 'wholeTextFiles', async () => {
    const files = (await listInputFiles(ctx.fileSystem(path), path)).filter((f) => !f.isDirectory);
    const k = Math.max(1, Math.min(minPartitions, files.length));
    const groups: { paths: string[]; bytes: number }[] = Array.from({ length: k }, () => ({ paths: [], bytes: 0 }));
    // largest first into the lightest partition keeps partitions even
    for (const f of [...files].sort((a, b) => b.length - a.length)) {
      const lightest = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
      lightest.paths.push(f.path);
      lightest.bytes += f.length;
    }
    return groups.filter((g) => g.paths.length > 0).map((g, index): FilesPartition => ({ index, paths: g.paths.sort() }));
  }).setName(`wholeTextFiles ${path}`);
}

/** Reads what saveAsObjectFile wrote: one partition per part file. */
export function objectFile<T>(ctx: RddContext, path: string): RDD<T> {
  return new FileSourceRDD<T>(ctx, 'objectFile', async () => {
    const files = (await listInputFiles(ctx.fileSystem(path), path)).filter((f) => !f.isDirectory && baseName(f.path).startsWith('part-'));
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return files.map((f, index): FilesPartition => ({ index, paths: [f.path] }));
  }).setName(`objectFile ${path}`);
}
