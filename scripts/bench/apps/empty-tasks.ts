import type { SparkContext } from 'tspark';
import { resultLine } from '../summary.js';

/**
 * Scheduler overhead: one job of N empty tasks (default 10,000), after a
 * small warm-up job so executor start-up is not counted in the job time.
 *   tspark-submit --master local[2] scripts/bench/apps/empty-tasks.ts 10000
 */
export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const tasks = Number(args[0] ?? 10_000);
  await sc.parallelize([] as number[], 2).count();
  const t0 = performance.now();
  const count = await sc.parallelize([] as number[], tasks).count();
  const jobSeconds = (performance.now() - t0) / 1000;
  console.log(resultLine({ tasks, count, jobSeconds }));
}
