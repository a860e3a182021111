import type { SparkContext } from 'tspark';

/**
 * Joins orders with customers, totals spending per country, and sorts the
 * countries by total (a join + reduceByKey + sortBy pipeline).
 *   tspark-submit --master local[2] examples/join-sort.ts [orders]
 */
const COUNTRIES = ['DE', 'FR', 'JP', 'BR', 'US', 'IN', 'NG', 'CA'];

export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const numOrders = Number(args[0] ?? 100_000);
  const numCustomers = 1000;
  const customers = sc.parallelize(
    Array.from({ length: numCustomers }, (_, id) => [id, COUNTRIES[id % COUNTRIES.length]!] as [number, string]),
    4,
  );
  const orders = sc
    .range(0, numOrders, 1, 8)
    .map((i, env) => [(i * 7919) % env.numCustomers, (i % 97) + 0.5] as [number, number], { numCustomers });
  const byCountry = orders
    .join(customers)
    .map(([, [amount, country]]) => [country, amount] as [string, number])
    .reduceByKey((a, b) => a + b)
    .sortBy(([, total]) => total, false);
  for (const [country, total] of await byCountry.collect()) console.log(`${country}\t${total.toFixed(2)}`);
}
