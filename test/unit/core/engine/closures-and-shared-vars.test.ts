import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparkContext } from '../../../../src/core/context.js';
import { ClosureError } from '../../../../src/core/closure/shipped-function.js';
import { expectSchedulerIdle, testContext } from './helpers.js';

let sc: SparkContext;
beforeAll(() => {
  sc = testContext('local[2]');
});
afterAll(async () => {
  await sc.stop();
});

describe('functions on executors', () => {
  it('an unshipped free variable fails when the transformation is declared, not when it runs', () => {
    const factor = 3;
    const rdd = sc.parallelize([1, 2, 3]);
    expect(() => rdd.map((x) => x * factor)).toThrow(ClosureError);
    expect(() => rdd.map((x) => x * factor)).toThrow(/uses 'factor'/);
    expect(() => rdd.filter((x) => x > factor)).toThrow(/Function passed to filter uses 'factor'/);
    expect(() => rdd.map((x) => [x, 1] as [number, number]).reduceByKey((a, b) => a + b + factor)).toThrow(/reduceByKey uses 'factor'/);
    expectSchedulerIdle(sc);
  });

  it('env values reach executors as the last argument', async () => {
    const factor = 3;
    const out = await sc.parallelize([1, 2, 3], 2).map((x, env) => x * env.factor, { factor }).collect();
    expect(out).toEqual([3, 6, 9]);
  });

  it('broadcast variables are readable on executors and after unpersist are sent again', async () => {
    const table = sc.broadcast(new Map([['a', 1], ['b', 2]]));
    const rdd = sc.parallelize(['a', 'b', 'a', 'c'], 3);
    const f = (k: string, env: { table: { value: Map<string, number> } }) => env.table.value.get(k) ?? 0;
    expect(await rdd.map(f, { table }).collect()).toEqual([1, 2, 1, 0]);
    table.unpersist();
    expect(await rdd.map(f, { table }).collect()).toEqual([1, 2, 1, 0]);
    table.destroy();
    expect(() => rdd.map(f, { table })).toThrow(/destroyed/);
  });

  it('reading an accumulator inside a task is an error', async () => {
    const acc = sc.longAccumulator('a');
    await expect(sc.parallelize([1], 1).map((x, env) => x + env.acc.value, { acc }).collect()).rejects.toThrow(/only be read on the driver/);
  });
});

describe('persist', () => {
  for (const level of ['MEMORY_ONLY', 'MEMORY_AND_DISK', 'DISK_ONLY'] as const) {
    it(`${level} computes partitions once and serves them from the cache`, async () => {
      const computed = sc.longAccumulator();
      const rdd = sc
        .parallelize([1, 2, 3, 4, 5, 6], 3)
        .map(
          (x, env) => {
            env.computed.add(1);
            return { x, at: [x] };
          },
          { computed },
        )
        .persist(level);
      const first = await rdd.collect();
      expect(computed.value).toBe(6);
      // cached blocks live on the worker that computed them; tasks wait for that worker (spark.locality.wait)
      const again = await rdd.map((r) => r.x).collect();
      expect(again).toEqual([1, 2, 3, 4, 5, 6]);
      expect(first.map((r) => r.x)).toEqual(again);
      expect(computed.value).toBe(6);
      rdd.unpersist();
      await rdd.count();
      expect(computed.value).toBeGreaterThanOrEqual(12);
    });
  }

  it('cached data is not changed by a later function that mutates its input', async () => {
    const rdd = sc.parallelize([{ n: 1 }, { n: 2 }], 1).cache();
    await rdd.count();
    await rdd.map((o) => {
      o.n = 100;
      return o;
    }).count();
    expect((await rdd.collect()).map((o) => o.n)).toEqual([1, 2]);
  });
});
