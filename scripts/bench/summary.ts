// What each benchmark program reports about its answer, in the same shape from
// tspark, from Spark (the Java programs in spark/) and from the Node floor, so
// the harness can check that both engines computed the same thing.
import { addChecksum, entryHash, keyHash } from './checksum.js';

/** Prefix of the one stdout line each program prints: `BENCH_RESULT {json}`. */
export const RESULT_PREFIX = 'BENCH_RESULT ';
/** How many of the most frequent keys a summary keeps. */
export const TOP_N = 10;

/** Distinct keys, total of the values, checksum over (key, value), most frequent keys. */
export interface CountSummary {
  distinct: number;
  total: number;
  checksum: number;
  top: [string, number][];
}

/** A range-partitioned, sorted output: per-partition bounds and order check, checksum over all records. */
export interface SortedPartitionSummary {
  index: number;
  count: number;
  first: string | null;
  last: string | null;
  sorted: boolean;
  checksum: number;
}

/** Orders by count descending, then key ascending (UTF-16 code units, as Java's compareTo). */
export function compareTop(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

export function emptyCountSummary(): CountSummary {
  return { distinct: 0, total: 0, checksum: 0, top: [] };
}

/** Adds one (key, value) pair (keys must be distinct across all calls). */
export function addToCountSummary(s: CountSummary, key: string, value: number): void {
  s.distinct += 1;
  s.total += value;
  s.checksum = addChecksum(s.checksum, entryHash(keyHash(key), value));
  const top = s.top;
  if (top.length < TOP_N || compareTop([key, value], top[top.length - 1]!) < 0) {
    top.push([key, value]);
    top.sort(compareTop);
    if (top.length > TOP_N) top.pop();
  }
}

export function mergeCountSummaries(parts: readonly CountSummary[]): CountSummary {
  const out = emptyCountSummary();
  for (const p of parts) {
    out.distinct += p.distinct;
    out.total += p.total;
    out.checksum = addChecksum(out.checksum, p.checksum);
    out.top.push(...p.top);
  }
  out.top.sort(compareTop);
  out.top.length = Math.min(out.top.length, TOP_N);
  return out;
}

/** Checks a range-partitioned sort: each partition sorted, partitions in key order. Returns the problems found. */
export function sortProblems(parts: readonly SortedPartitionSummary[]): string[] {
  const problems: string[] = [];
  let previousLast: string | null = null;
  let previousIndex = -1;
  for (const p of [...parts].sort((a, b) => a.index - b.index)) {
    if (!p.sorted) problems.push(`partition ${p.index} is not sorted`);
    if (p.count === 0 || p.first === null || p.last === null) continue;
    if (previousLast !== null && p.first < previousLast) {
      problems.push(
        `partition ${p.index} starts with '${p.first}', below '${previousLast}' at the end of partition ${previousIndex}`,
      );
    }
    previousLast = p.last;
    previousIndex = p.index;
  }
  return problems;
}

/** Formats the result line a program prints. */
export function resultLine(result: Record<string, unknown>): string {
  return RESULT_PREFIX + JSON.stringify(result);
}

/** Finds the last result line in a program's stdout, or undefined. */
export function parseResultLine(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line.startsWith(RESULT_PREFIX))
      return JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, unknown>;
  }
  return undefined;
}
