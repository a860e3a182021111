import { afterEach, describe, expect, it } from 'vitest';
import type { SparkContext } from '../../../../src/core/context.js';
import { expectSchedulerIdle, testContext } from './helpers.js';

// spark.driver.maxResultSize: the serialized results of one action's tasks may add up to at most
// the limit; past it the job fails with a message naming the setting, and nothing is left behind.
let sc: SparkContext | undefined;
afterEach(async () => {
  await sc?.stop();
  sc = undefined;
});

/** 4 partitions of 2,000 strings of 100 characters: about 800 KB of results in all. */
const collectBig = (c: SparkContext): Promise<string[]> =>
  c
    .parallelize(
      Array.from({ length: 8000 }, (_, i) => i),
      4,
    )
    .map((i: number) => String(i).padStart(100, '.'))
    .collect();

describe('spark.driver.maxResultSize', () => {
  it('fails an action whose results exceed the limit, naming the setting', async () => {
    sc = testContext('local[2]', { 'spark.driver.maxResultSize': '100k' });
    const err = await collectBig(sc).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Total size of serialized results of \d+ tasks? \(.*\) is bigger than spark\.driver\.maxResultSize \(100\.0 KiB\)/);
    // the context stays usable: a small action after the failure works
    expect(await sc.parallelize([1, 2, 3], 3).map((x: number) => x * 2).collect()).toEqual([2, 4, 6]);
    expectSchedulerIdle(sc);
  });

  it('lets results under the limit through, and 0 means no limit', async () => {
    sc = testContext('local[2]', { 'spark.driver.maxResultSize': '10m' });
    const under = await collectBig(sc);
    expect(under).toHaveLength(8000);
    expect(under[7999]).toBe('7999'.padStart(100, '.'));
    await sc.stop();
    sc = testContext('local[2]', { 'spark.driver.maxResultSize': '0' });
    expect(await collectBig(sc)).toHaveLength(8000);
  });

  it('does not count map outputs of a shuffle against the limit', async () => {
    sc = testContext('local[2]', { 'spark.driver.maxResultSize': '100k' });
    const counts = await sc
      .parallelize(
        Array.from({ length: 20000 }, (_, i) => String(i % 10).padStart(100, '.')),
        4,
      )
      .map((w: string) => [w, 1] as [string, number])
      .reduceByKey((a: number, b: number) => a + b, 2)
      .collect();
    expect(counts).toHaveLength(10);
    for (const [, n] of counts) expect(n).toBe(2000);
  });
});
