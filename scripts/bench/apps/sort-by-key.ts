import type { SparkContext } from 'tspark';
import { addChecksum, entryHash, keyHash } from '../checksum.js';
import { resultLine, sortProblems, type SortedPartitionSummary } from '../summary.js';

/**
 * sortByKey over `key<TAB>value` records: read, parse, sort into range
 * partitions, then check each output partition's order and checksum it.
 * Run with a small driver memory so the shuffle spills (the spill count is reported).
 *   tspark-submit --master local[2] --driver-memory 1g scripts/bench/apps/sort-by-key.ts <input> <in-parts> <out-parts>
 */
export function parseRecord(line: string): [string, number] {
  const tab = line.indexOf('\t');
  return [line.slice(0, tab), Number(line.slice(tab + 1))];
}

export async function checkPartition(
  index: number,
  records: AsyncIterable<[string, number]>,
): Promise<SortedPartitionSummary[]> {
  let count = 0;
  let first: string | null = null;
  let last: string | null = null;
  let sorted = true;
  let checksum = 0;
  for await (const [key, value] of records) {
    if (last !== null && key < last) sorted = false;
    if (first === null) first = key;
    last = key;
    count++;
    checksum = addChecksum(checksum, entryHash(keyHash(key), value));
  }
  return [{ index, count, first, last, sorted, checksum }];
}

export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const [input, inParts, outParts] = args;
  if (!input) throw new Error('usage: sort-by-key.ts <input> [input partitions] [output partitions]');
  const t0 = performance.now();
  const parts = await sc
    .textFile(input, Number(inParts ?? 2))
    .map(parseRecord)
    .sortByKey(true, Number(outParts ?? 2))
    .mapPartitionsWithIndex(checkPartition)
    .collect();
  const jobSeconds = (performance.now() - t0) / 1000;
  let count = 0;
  let checksum = 0;
  for (const p of parts) {
    count += p.count;
    checksum = addChecksum(checksum, p.checksum);
  }
  const metrics = sc.taskMetrics();
  console.log(
    resultLine({
      count,
      checksum,
      problems: sortProblems(parts),
      spills: metrics.spillCount,
      spillBytes: metrics.spillBytes,
      jobSeconds,
    }),
  );
}
