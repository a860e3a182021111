import { describe, expect, it } from 'vitest';
import { expectSchedulerIdle, testContext } from './helpers.js';

describe('joins under memory pressure', () => {
  it('cogroup reads its shuffles grouped and sorted, spilling, and joins match nested loops', async () => {
    // 16 MiB x 0.1 / 2 threads: under 1 MiB of shuffle memory per task
    const sc = testContext('local[2]', { 'spark.driver.memory': '16m', 'spark.memory.fraction': '0.1' });
    try {
      const left: [number, string][] = Array.from({ length: 20_000 }, (_, i) => [i % 2000, `L${i}-${'x'.repeat(100)}`]);
      const right: [number, string][] = Array.from({ length: 6000 }, (_, i) => [i % 3000, `R${i}-${'y'.repeat(100)}`]);
      const rightByKey = new Map<number, string[]>();
      for (const [k, v] of right) rightByKey.set(k, [...(rightByKey.get(k) ?? []), v]);
      const leftKeys = new Set(left.map(([k]) => k));
      let inner = 0;
      let checksum = 0;
      for (const [k, v] of left) {
        for (const w of rightByKey.get(k) ?? []) {
          inner++;
          checksum = (checksum + k * 31 + v.length + w.length) % 1_000_003;
        }
      }
      let rightOnly = 0;
      for (const [k] of right) if (!leftKeys.has(k)) rightOnly++;

      const joined = sc.parallelize(left, 4).join(sc.parallelize(right, 3), 3);
      const sums = await joined
        .map(([k, [v, w]]) => (k * 31 + v.length + w.length) % 1_000_003)
        .fold(0, (a, b) => (a + b) % 1_000_003);
      expect(await joined.count()).toBe(inner);
      expect(sums).toBe(checksum);
      expect(await sc.parallelize(left, 4).fullOuterJoin(sc.parallelize(right, 3), 3).count()).toBe(inner + rightOnly);
      expect(sc.taskMetrics().spillCount).toBeGreaterThan(0);
      expectSchedulerIdle(sc);
    } finally {
      await sc.stop();
    }
  });
});
