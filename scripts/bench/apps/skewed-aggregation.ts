import type { SparkContext } from 'tspark';
import { addChecksum, entryHash, keyHash } from '../checksum.js';
import {
  addToCountSummary,
  emptyCountSummary,
  mergeCountSummaries,
  resultLine,
  type CountSummary,
} from '../summary.js';

/**
 * reduceByKey or groupByKey over `key<TAB>value` records whose keys are
 * Zipf-skewed (one key holds about a fifth of the records).
 *   reduce: sum of the values per key.
 *   group:  groupByKey, then per key the number of values and their sum.
 *   tspark-submit --master local[2] --driver-memory 1g scripts/bench/apps/skewed-aggregation.ts <reduce|group> <input> <in-parts> <out-parts>
 */
export function parseRecord(line: string): [string, number] {
  const tab = line.indexOf('\t');
  return [line.slice(0, tab), Number(line.slice(tab + 1))];
}

export function add(a: number, b: number): number {
  return a + b;
}

export async function summarizeSums(pairs: AsyncIterable<[string, number]>): Promise<CountSummary[]> {
  const s = emptyCountSummary();
  for await (const [key, sum] of pairs) addToCountSummary(s, key, sum);
  return [s];
}

/** Per key: the summary counts the group sizes; the checksum also covers each group's sum. */
export async function summarizeGroups(
  groups: AsyncIterable<[string, Iterable<number>]>,
): Promise<{ sizes: CountSummary; sums: number }[]> {
  const sizes = emptyCountSummary();
  let sums = 0;
  for await (const [key, values] of groups) {
    let size = 0;
    let sum = 0;
    for (const v of values) {
      size++;
      sum += v;
    }
    addToCountSummary(sizes, key, size);
    sums = addChecksum(sums, entryHash(keyHash(key), sum));
  }
  return [{ sizes, sums }];
}

export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const [op, input, inParts, outParts] = args;
  if ((op !== 'reduce' && op !== 'group') || !input) {
    throw new Error(
      'usage: skewed-aggregation.ts <reduce|group> <input> [input partitions] [output partitions]',
    );
  }
  const t0 = performance.now();
  const records = sc.textFile(input, Number(inParts ?? 2)).map(parseRecord);
  const numOut = Number(outParts ?? 2);
  let result: Record<string, unknown>;
  if (op === 'reduce') {
    const partials = await records.reduceByKey(add, numOut).mapPartitions(summarizeSums).collect();
    result = { ...mergeCountSummaries(partials) };
  } else {
    const partials = await records.groupByKey(numOut).mapPartitions(summarizeGroups).collect();
    let sums = 0;
    for (const p of partials) sums = addChecksum(sums, p.sums);
    result = { ...mergeCountSummaries(partials.map((p) => p.sizes)), sums };
  }
  const jobSeconds = (performance.now() - t0) / 1000;
  const metrics = sc.taskMetrics();
  console.log(
    resultLine({ ...result, spills: metrics.spillCount, spillBytes: metrics.spillBytes, jobSeconds }),
  );
}
