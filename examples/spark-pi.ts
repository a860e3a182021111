import type { SparkContext } from 'tspark';

/**
 * Estimates Pi by throwing darts at the unit square (Spark's SparkPi).
 *   tspark-submit --master local[*] examples/spark-pi.ts 10
 */
export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const slices = args[0] ? Number(args[0]) : 2;
  if (!Number.isInteger(slices) || slices < 1) throw new Error(`slices must be a positive integer, got '${args[0]}'`);
  const n = Math.min(100_000 * slices, 2 ** 31 - 1);
  const inside = await sc
    .range(1, n, 1, slices)
    .map((): number => {
      const x = Math.random() * 2 - 1;
      const y = Math.random() * 2 - 1;
      return x * x + y * y <= 1 ? 1 : 0;
    })
    .reduce((a, b) => a + b);
  console.log(`Pi is roughly ${(4 * inside) / (n - 1)}`);
}
