import { describe, expect, it } from 'vitest';
import {
  CombiningBuffer,
  SINGLE_PARTITION,
  type KeyPartitioner,
} from '../../../../src/core/shuffle/buffers.js';
import { ascendingKeys, descendingKeys } from '../../../../src/core/shuffle/merge.js';
import { MemoryBudget } from '../../../../src/core/shuffle/memory.js';
import { lcg, type Rec } from './helpers.js';

const sum = { first: (v: unknown) => v, add: (a: unknown, b: unknown) => (a as number) + (b as number) };

function drainSorted(
  records: Rec[],
  direction: 'asc' | 'desc',
  partitioner: KeyPartitioner = SINGLE_PARTITION,
): Rec[][] {
  const buf = new CombiningBuffer(partitioner, sum, new MemoryBudget(1 << 30));
  expect(buf.insert(records, 0)).toBe(records.length);
  return buf.drain(direction === 'asc' ? ascendingKeys : descendingKeys);
}

/** Reference: sums per key by a plain loop over keys compared with Object.is-like rules. */
function reference(records: Rec[], order: (a: unknown, b: unknown) => number): Rec[] {
  const sums: Rec[] = [];
  for (const [k, v] of records) {
    const hit = sums.find(
      ([x]) => x === k || (typeof x === 'number' && typeof k === 'number' && x !== x && k !== k),
    );
    if (hit) hit[1] = (hit[1] as number) + (v as number);
    else sums.push([k, v]);
  }
  return sums.sort((a, b) => order(a[0], b[0]));
}

const byCodeUnits = (a: unknown, b: unknown): number => {
  const x = a as string;
  const y = b as string;
  return x < y ? -1 : x > y ? 1 : 0;
};
const numeric = (a: unknown, b: unknown): number => {
  const x = a as number;
  const y = b as number;
  if (x !== x) return y !== y ? 0 : 1;
  if (y !== y) return -1;
  return x - y;
};

describe('CombiningBuffer sorted drain', () => {
  it('sorts distinct string keys in code-unit order, both directions', () => {
    const rnd = lcg(5);
    const alphabet = ['a', 'B', 'é', '\u0000', 'z', '10', '9', '\ud83d\ude00', ''];
    const records: Rec[] = Array.from({ length: 2_000 }, (): Rec => [
      alphabet[rnd() % 9]! + alphabet[rnd() % 9]! + alphabet[rnd() % 9]!,
      1,
    ]);
    expect(drainSorted(records, 'asc')[0]).toEqual(reference(records, byCodeUnits));
    expect(drainSorted(records, 'desc')[0]).toEqual(reference(records, (a, b) => byCodeUnits(b, a)));
  });

  it('sorts distinct number keys numerically, with -0, infinities and NaN', () => {
    const rnd = lcg(6);
    const records: Rec[] = Array.from({ length: 2_000 }, (): Rec => [((rnd() % 2001) - 1000) / 8, 1]);
    records.push([-0, 5], [Infinity, 1], [-Infinity, 2], [1e300, 3]);
    const asc = drainSorted(records, 'asc')[0]!;
    expect(asc).toEqual(reference(records, numeric));
    expect(drainSorted(records, 'desc')[0]).toEqual(reference(records, (a, b) => numeric(b, a)));
    records.push([NaN, 1], [NaN, 2]); // NaN takes the comparator path; NaN sorts last
    const withNaN = drainSorted(records, 'asc')[0]!;
    expect(withNaN[withNaN.length - 1]![1]).toBe(3);
    expect(withNaN.slice(0, -1)).toEqual(
      reference(
        records.filter(([k]) => k === k),
        numeric,
      ),
    );
  });

  it('falls back to compareKeys when key types are mixed', () => {
    const records: Rec[] = [
      ['b', 1],
      [2, 1],
      ['a', 1],
      [1, 1],
      [[0], 1],
      ['b', 1],
      [null, 1],
    ];
    const two: KeyPartitioner = { numPartitions: 2, getPartition: (k) => (typeof k === 'string' ? 0 : 1) };
    const [strings, others] = drainSorted(records, 'asc', two);
    expect(strings).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(others).toEqual([
      [null, 1],
      [1, 1],
      [2, 1],
      [[0], 1],
    ]);
  });
});
