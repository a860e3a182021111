import type { SparkContext } from 'tspark';

/**
 * Counts words, splitting on whitespace as `tr -s '[:space:]'` does in the C
 * locale (space, tab, newline, vertical tab, form feed, carriage return).
 *   tspark-submit --master local[2] examples/word-count.ts <input> [partitions] [output]
 * Without an output directory every word is printed as `<count> <word>`,
 * sorted by word; with one, the counts are saved there (`word<TAB>count`
 * lines) and the ten most frequent words are printed.
 */
export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const [input, parts, output] = args;
  if (!input) throw new Error('usage: word-count.ts <input> [partitions] [output]');
  const counts = sc
    .textFile(input, Number(parts ?? 2))
    .flatMap((line) => line.split(/[ \t\n\v\f\r]+/).filter((w) => w.length > 0))
    .map((w) => [w, 1] as [string, number])
    .reduceByKey((a, b) => a + b);
  if (output) {
    await counts.map(([w, n]) => `${w}\t${n}`).saveAsTextFile(output);
    for (const [w, n] of await counts.takeOrdered(10, (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) console.log(`${n} ${w}`);
    return;
  }
  const all = await counts.sortByKey().collect();
  console.log(all.map(([w, n]) => `${n} ${w}`).join('\n'));
}
