import { describe, expect, it } from 'vitest';
import { SparkContext } from '../../../../src/core/context.js';

describe('smoke', () => {
  it('parallelize map collect', async () => {
    const sc = new SparkContext({ master: 'local[2]', appName: 'smoke', progress: false });
    try {
      const r = await sc.parallelize([1, 2, 3, 4, 5], 3).map((x) => x * 2).collect();
      expect(r).toEqual([2, 4, 6, 8, 10]);
      const c = await sc.parallelize(['a b', 'b c'], 2).flatMap((l) => l.split(' ')).map((w) => [w, 1] as [string, number]).reduceByKey((a, b) => a + b).collect();
      expect(new Map(c)).toEqual(new Map([['a', 1], ['b', 2], ['c', 1]]));
      expect(sc.debugState()).toMatchObject({ activeJobs: 0, stages: 0 });
    } finally {
      await sc.stop();
    }
  });
});
