import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SparkContext } from '../../../../src/core/context.js';
import { canon, expectSameMultiset, expectSchedulerIdle, lcg, testContext } from './helpers.js';

let sc: SparkContext;
let dir: string;
beforeAll(async () => {
  sc = testContext('local[2]');
  dir = await mkdtemp(join(tmpdir(), 'tspark-actions-'));
});
afterAll(async () => {
  await sc.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  expectSchedulerIdle(sc);
});

const rand = lcg(7);
const nums = Array.from({ length: 3000 }, () => rand() % 1000);

describe('actions', () => {
  it('collect, count, reduce, fold, aggregate', async () => {
    const rdd = sc.parallelize(nums, 9);
    let sum = 0;
    let max = -Infinity;
    for (const x of nums) {
      sum += x;
      max = Math.max(max, x);
    }
    expect(await rdd.collect()).toEqual(nums);
    expect(await rdd.count()).toBe(nums.length);
    expect(await rdd.reduce((a, b) => a + b)).toBe(sum);
    expect(await rdd.reduce((a, b) => Math.max(a, b))).toBe(max);
    // fold applies the zero once per partition and once on the driver, as in Spark
    expect(await rdd.fold(1, (a, b) => a + b)).toBe(sum + 9 + 1);
    expect(await rdd.aggregate([0, 0] as [number, number], (acc, x) => [acc[0] + x, acc[1] + 1] as [number, number], (a, b) => [a[0] + b[0], a[1] + b[1]] as [number, number])).toEqual([sum, nums.length]);
  });

  it('empty RDDs: count 0, reduce and first fail clearly, fold returns the zero', async () => {
    const empty = sc.emptyRDD<number>();
    expect(await empty.count()).toBe(0);
    expect(await empty.collect()).toEqual([]);
    await expect(empty.reduce((a, b) => a + b)).rejects.toThrow(/empty/);
    await expect(sc.parallelize([], 3).first()).rejects.toThrow(/empty/);
    expect(await sc.parallelize<number>([], 4).fold(0, (a, b) => a + b)).toBe(0);
    expect(await sc.parallelize([], 4).take(5)).toEqual([]);
  });

  it('first and take scan only as many partitions as needed, in order', async () => {
    const rdd = sc.parallelize(nums, 50);
    expect(await rdd.first()).toBe(nums[0]);
    expect(await rdd.take(0)).toEqual([]);
    expect(await rdd.take(10)).toEqual(nums.slice(0, 10));
    expect(await rdd.take(1000)).toEqual(nums.slice(0, 1000));
    expect(await rdd.take(10_000)).toEqual(nums);
    // data only in the last partitions: take keeps looking
    const sparse = sc.parallelize([1, 2, 3], 40);
    expect(await sparse.take(2)).toEqual([1, 2]);
  });

  it('takeOrdered and top, with and without a comparator', async () => {
    const rdd = sc.parallelize(nums, 6);
    const asc = [...nums].sort((a, b) => a - b);
    expect(await rdd.takeOrdered(25)).toEqual(asc.slice(0, 25));
    expect(await rdd.top(25)).toEqual([...asc].reverse().slice(0, 25));
    expect(await rdd.takeOrdered(10, (a, b) => (a % 10) - (b % 10) || a - b)).toEqual([...nums].sort((a, b) => (a % 10) - (b % 10) || a - b).slice(0, 10));
    const words = sc.parallelize(['pear', 'apple', 'fig', 'banana'], 2);
    expect(await words.top(2)).toEqual(['pear', 'fig']);
  });

  it('takeSample returns distinct elements without replacement, the requested count, reproducibly', async () => {
    const data = Array.from({ length: 1000 }, (_, i) => i);
    const rdd = sc.parallelize(data, 4);
    const s = await rdd.takeSample(false, 50, 11);
    expect(s).toHaveLength(50);
    expect(new Set(s).size).toBe(50);
    for (const x of s) expect(data).toContain(x);
    expect(await rdd.takeSample(false, 50, 11)).toEqual(s);
    expectSameMultiset(await rdd.takeSample(false, 5000, 1), data);
    const w = await rdd.takeSample(true, 2000, 5);
    expect(w).toHaveLength(2000);
  });

  it('countByValue and countByKey compare keys by value (arrays, dates, null, undefined)', async () => {
    const values = [[1, 2], [1, 2], new Date(5), new Date(5), null, undefined, null, 'a', 1, '1'];
    const counted = await sc.parallelize(values, 3).countByValue();
    const expected = new Map<string, number>();
    for (const v of values) expected.set(canon(v), (expected.get(canon(v)) ?? 0) + 1);
    expect(new Map([...counted].map(([k, n]) => [canon(k), n]))).toEqual(expected);
    const pairs: [string, number][] = nums.map((x) => [`k${x % 13}`, x]);
    const byKey = await sc.parallelize(pairs, 5).countByKey();
    const exp = new Map<string, number>();
    for (const [k] of pairs) exp.set(k, (exp.get(k) ?? 0) + 1);
    expect(byKey).toEqual(exp);
  });

  it('lookup finds every value of a key, using the partitioner when there is one', async () => {
    const pairs: [number, number][] = nums.map((x, i) => [x % 17, i]);
    const expected = pairs.filter(([k]) => k === 3).map(([, v]) => v);
    expect((await sc.parallelize(pairs, 4).lookup(3)).sort((a, b) => a - b)).toEqual(expected);
    const grouped = sc.parallelize(pairs, 4).groupByKey(6);
    const [vs] = await grouped.lookup(3);
    expect([...vs!].sort((a, b) => a - b)).toEqual(expected);
  });

  it('foreach and foreachPartition run on executors; accumulators collect what they add', async () => {
    const seen = sc.longAccumulator('seen');
    const total = sc.doubleAccumulator('total');
    const evens = sc.collectionAccumulator<number>('evens');
    await sc.parallelize(nums, 7).foreach(
      (x, env) => {
        env.seen.add(1);
        env.total.add(x / 2);
        if (x % 100 === 0) env.evens.add(x);
      },
      { seen, total, evens },
    );
    expect(seen.value).toBe(nums.length);
    let half = 0;
    for (const x of nums) half += x / 2;
    expect(total.value).toBeCloseTo(half, 6);
    expect([...evens.value].sort((a, b) => a - b)).toEqual(nums.filter((x) => x % 100 === 0).sort((a, b) => a - b));
    const parts = sc.longAccumulator();
    await sc.parallelize(nums, 5).foreachPartition(
      async (it, env) => {
        for await (const _ of it) {
          // consume
        }
        env.parts.add(1);
      },
      { parts },
    );
    expect(parts.value).toBe(5);
  });

  it('saveAsTextFile writes part files through the committer; an existing output is refused', async () => {
    const out = join(dir, 'text-out');
    await sc.parallelize(['a', 1, null, 'd'], 3).saveAsTextFile(out);
    const files = (await readdir(out)).sort();
    expect(files).toEqual(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002']);
    let text = '';
    for (const f of files.filter((f) => f.startsWith('part-'))) text += await readFile(join(out, f), 'utf8');
    expect(text).toBe('a\n1\nnull\nd\n');
    await expect(sc.parallelize([1], 1).saveAsTextFile(out)).rejects.toThrow(/exists/);
  });

  it('a failed save leaves no part files and no _SUCCESS', async () => {
    const out = join(dir, 'failed-out');
    await expect(
      sc
        .parallelize([1, 2, 3, 4], 4)
        .map((x) => {
          if (x === 4) throw new Error('boom at 4');
          return x;
        })
        .saveAsTextFile(out),
    ).rejects.toThrow(/boom at 4/);
    const left = await readdir(out).catch(() => [] as string[]);
    expect(left.filter((f) => f.startsWith('part-') || f === '_SUCCESS')).toEqual([]);
  });

  it('saveAsObjectFile and objectFile round-trip Maps, Dates, bigints and undefined', async () => {
    const out = join(dir, 'objects');
    const data = [new Map([['a', 1]]), new Date(7), 10n ** 20n, undefined, { nested: [1, null] }, 'x'];
    await sc.parallelize(data, 4).saveAsObjectFile(out);
    const back = await sc.objectFile<unknown>(out).collect();
    expect(back).toEqual(data);
  });
});
