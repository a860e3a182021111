import { describe, expect, it } from 'vitest';
import { compareKeys, keyHash } from '../../../src/core/keys.js';
import {
  computeRangeBounds,
  HashPartitioner,
  partitionerFromSpec,
  RangePartitioner,
  rangeSampleSizePerPartition,
} from '../../../src/core/partitioner.js';

describe('HashPartitioner', () => {
  it('maps keys to keyHash mod n, always in [0, n)', () => {
    const p = new HashPartitioner(7);
    for (const k of ['a', 'b', 1, -1, -0, NaN, 2n ** 80n, [1, 'x'], null, undefined, new Date(3)]) {
      const i = p.getPartition(k);
      expect(i).toBe(keyHash(k) % 7);
      expect(i >= 0 && i < 7).toBe(true);
    }
    expect(p.getPartition(-0)).toBe(p.getPartition(0));
  });

  it('compares by kind and count, and survives its spec', () => {
    const p = new HashPartitioner(4);
    expect(p.equals(new HashPartitioner(4))).toBe(true);
    expect(p.equals(new HashPartitioner(5))).toBe(false);
    expect(p.equals(new RangePartitioner([1, 2, 3], true))).toBe(false);
    const q = partitionerFromSpec(structuredClone(p.toSpec()));
    expect(q.equals(p)).toBe(true);
  });

  it('rejects a bad partition count', () => {
    expect(() => new HashPartitioner(0)).toThrow(/positive integer/);
    expect(() => new HashPartitioner(1.5)).toThrow(/positive integer/);
  });
});

describe('RangePartitioner', () => {
  /** Linear reference: the number of bounds strictly less than the key. */
  function reference(bounds: unknown[], key: unknown, ascending: boolean): number {
    let below = 0;
    for (const b of bounds) if (compareKeys(b, key) < 0) below++;
    return ascending ? below : bounds.length - below;
  }

  it('puts keys in (bounds[i-1], bounds[i]] for ascending order, mirrored for descending', () => {
    const bounds = [10, 20, 20.5, 30];
    for (const ascending of [true, false]) {
      const p = new RangePartitioner(bounds, ascending);
      expect(p.numPartitions).toBe(5);
      for (let k = 0; k <= 40; k += 0.25) expect(p.getPartition(k)).toBe(reference(bounds, k, ascending));
    }
    const asc = new RangePartitioner(bounds, true);
    expect([asc.getPartition(10), asc.getPartition(10.1), asc.getPartition(31)]).toEqual([0, 1, 4]);
    const desc = new RangePartitioner(bounds, false);
    expect([desc.getPartition(10), desc.getPartition(31)]).toEqual([4, 0]);
  });

  it('handles no bounds (one partition) and composite keys', () => {
    expect(new RangePartitioner([], true).getPartition('x')).toBe(0);
    const bounds = [
      ['a', 2],
      ['b', 0],
    ];
    const p = new RangePartitioner(bounds, true);
    for (const k of [['a', 1], ['a', 2], ['a', 3], ['b', -1], ['c']])
      expect(p.getPartition(k)).toBe(reference(bounds, k, true));
  });

  it('rejects unsorted bounds; equality and spec round trip', () => {
    expect(() => new RangePartitioner([3, 1], true)).toThrow(/ascending/);
    const p = new RangePartitioner(['b', 'm'], false);
    expect(p.equals(new RangePartitioner(['b', 'm'], false))).toBe(true);
    expect(p.equals(new RangePartitioner(['b', 'm'], true))).toBe(false);
    expect(p.equals(new RangePartitioner(['b', 'n'], false))).toBe(false);
    expect(partitionerFromSpec(structuredClone(p.toSpec())).equals(p)).toBe(true);
  });
});

describe('computeRangeBounds', () => {
  it('splits uniformly weighted samples into equal ranges', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => 999 - i);
    const bounds = computeRangeBounds([{ keys, weight: 1 }], 4);
    // Cumulative weight reaches 250, 500, 750 at keys 249, 499, 749.
    expect(bounds).toEqual([249, 499, 749]);
  });

  it('weights a heavily sampled small partition less than a lightly sampled big one', () => {
    // Partition A: 100 records, all sampled (weight 1), keys 0..99.
    // Partition B: 10,000 records, 100 sampled (weight 100), keys 1000..1099.
    const a = { keys: Array.from({ length: 100 }, (_, i) => i), weight: 1 };
    const b = { keys: Array.from({ length: 100 }, (_, i) => 1000 + i), weight: 100 };
    const bounds = computeRangeBounds([a, b], 2);
    // Total weight 10,100, half is 5,050: reached inside B after 100 + 50*100 = 5,100.
    expect(bounds).toEqual([1049]);
    // The resulting partitions hold about equal records: check with the real sizes.
    const p = new RangePartitioner(bounds, true);
    let left = 0;
    for (let i = 0; i < 100; i++) left += p.getPartition(i) === 0 ? 1 : 0;
    for (let i = 1000; i < 1100; i++) left += p.getPartition(i) === 0 ? 100 : 0;
    expect(Math.abs(left - 5050) / 5050).toBeLessThan(0.05);
  });

  it('never repeats a bound, so few distinct keys give fewer partitions', () => {
    const keys = ['x', 'x', 'x', 'x', 'y', 'y', 'z'];
    const bounds = computeRangeBounds([{ keys, weight: 1 }], 7);
    // Steps of weight 1: bounds at the 1st, 5th and 7th candidates; repeats are skipped.
    expect(bounds).toEqual(['x', 'y', 'z']);
    expect(computeRangeBounds([{ keys: ['x', 'x'], weight: 1 }], 3)).toEqual(['x']);
  });

  it('returns no bounds for one partition or no samples', () => {
    expect(computeRangeBounds([{ keys: [1, 2, 3], weight: 1 }], 1)).toEqual([]);
    expect(computeRangeBounds([{ keys: [], weight: 5 }], 4)).toEqual([]);
    expect(computeRangeBounds([], 4)).toEqual([]);
  });

  it('sample size per partition follows Spark (20 per output partition, x3, spread over inputs)', () => {
    expect(rangeSampleSizePerPartition(10, 4)).toBe(Math.ceil((3 * 200) / 4));
    expect(rangeSampleSizePerPartition(100_000, 10)).toBe(300_000);
  });
});
