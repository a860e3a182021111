import type { SparkContext } from 'tspark';
import {
  addToCountSummary,
  emptyCountSummary,
  mergeCountSummaries,
  resultLine,
  type CountSummary,
} from '../summary.js';

/**
 * WordCount for the benchmark: textFile -> flatMap (split on ASCII whitespace)
 * -> map to (word, 1) -> reduceByKey, then one action that summarises every
 * (word, count) pair per partition, so the answer can be compared with Spark's.
 *   tspark-submit --master local[2] scripts/bench/apps/word-count.ts <input> <partitions>
 */
const WHITESPACE = /[ \t\n\v\f\r]+/;

export function splitWords(line: string): string[] {
  return line.split(WHITESPACE).filter((w) => w.length > 0);
}

export function pairWithOne(word: string): [string, number] {
  return [word, 1];
}

export function add(a: number, b: number): number {
  return a + b;
}

export async function summarize(pairs: AsyncIterable<[string, number]>): Promise<CountSummary[]> {
  const s = emptyCountSummary();
  for await (const [word, count] of pairs) addToCountSummary(s, word, count);
  return [s];
}

export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const [input, parts] = args;
  if (!input) throw new Error('usage: word-count.ts <input> [partitions]');
  const t0 = performance.now();
  const partials = await sc
    .textFile(input, Number(parts ?? 2))
    .flatMap(splitWords)
    .map(pairWithOne)
    .reduceByKey(add)
    .mapPartitions(summarize)
    .collect();
  const jobSeconds = (performance.now() - t0) / 1000;
  console.log(resultLine({ ...mergeCountSummaries(partials), jobSeconds }));
}
