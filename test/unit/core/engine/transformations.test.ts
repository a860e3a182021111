import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SparkContext } from '../../../../src/core/context.js';
import { HashPartitioner } from '../../../../src/core/partitioner.js';
import { canon, expectSameMultiset, expectSchedulerIdle, groupPairs, lcg, testContext } from './helpers.js';

let sc: SparkContext;
beforeAll(() => {
  sc = testContext('local[2]');
});
afterAll(async () => {
  await sc.stop();
});
afterEach(() => {
  expectSchedulerIdle(sc);
});

const rand = lcg(42);
const nums = Array.from({ length: 2000 }, () => rand() % 500);
/** Skewed: most records share one key; keys include null and undefined, values include both too. */
const pairs: [string | number | null | undefined, number | null | undefined][] = Array.from({ length: 3000 }, (_, i) => {
  const r = rand() % 100;
  const key = r < 80 ? 'hot' : r < 85 ? null : r < 88 ? undefined : r < 94 ? `k${r}` : r;
  const value = i % 17 === 0 ? null : i % 19 === 0 ? undefined : i % 50;
  return [key, value];
});
const numPairs: [string, number][] = Array.from({ length: 2500 }, (_, i) => [`k${rand() % 40}`, i % 7]);

describe('narrow transformations', () => {
  it('map, filter, flatMap, keyBy, glom over empty partitions', async () => {
    const rdd = sc.parallelize([1, 2, 3], 8); // 5 empty partitions
    expect(await rdd.map((x) => x * 10).collect()).toEqual([10, 20, 30]);
    expect(await rdd.filter((x) => x !== 2).collect()).toEqual([1, 3]);
    expect(await rdd.flatMap((x) => Array.from({ length: x }, () => x)).collect()).toEqual([1, 2, 2, 3, 3, 3]);
    expect(await rdd.keyBy((x) => x % 2).collect()).toEqual([[1, 1], [0, 2], [1, 3]]);
    const glommed = await rdd.glom().collect();
    expect(glommed).toHaveLength(8);
    expect(glommed.flat()).toEqual([1, 2, 3]);
    expect(glommed.filter((g) => g.length === 0)).toHaveLength(5);
  });

  it('map and filter keep order and match plain loops', async () => {
    const expected: number[] = [];
    for (const x of nums) if (x % 3 === 0) expected.push(x * 2 + 1);
    expect(await sc.parallelize(nums, 7).filter((x) => x % 3 === 0).map((x) => x * 2 + 1).collect()).toEqual(expected);
  });

  it('mapPartitions and mapPartitionsWithIndex see whole partitions', async () => {
    const sums = await sc
      .parallelize(nums, 5)
      .mapPartitions(async function* (it) {
        let s = 0;
        for await (const x of it) s += x;
        yield s;
      })
      .collect();
    const expected: number[] = [];
    for (let i = 0; i < 5; i++) {
      let s = 0;
      for (let j = Math.floor((i * nums.length) / 5); j < Math.floor(((i + 1) * nums.length) / 5); j++) s += nums[j]!;
      expected.push(s);
    }
    expect(sums).toEqual(expected);
    const indexed = await sc
      .parallelize(['a', 'b', 'c', 'd'], 2)
      .mapPartitionsWithIndex(async (i, it) => {
        const out: string[] = [];
        for await (const x of it) out.push(`${i}:${x}`);
        return out;
      })
      .collect();
    expect(indexed).toEqual(['0:a', '0:b', '1:c', '1:d']);
  });

  it('mapValues, flatMapValues, keys, values keep null and undefined', async () => {
    const rdd = sc.parallelize(pairs, 6);
    expect(await rdd.keys().collect()).toEqual(pairs.map((p) => p[0]));
    expect(await rdd.values().collect()).toEqual(pairs.map((p) => p[1]));
    expect(await rdd.mapValues((v) => (v === null ? 'null' : v === undefined ? 'undef' : v + 1)).collect()).toEqual(
      pairs.map(([k, v]) => [k, v === null ? 'null' : v === undefined ? 'undef' : v + 1]),
    );
    const fm = await rdd.flatMapValues((v) => (typeof v === 'number' ? [v, -v] : [])).collect();
    const expected: unknown[] = [];
    for (const [k, v] of pairs) if (typeof v === 'number') expected.push([k, v], [k, -v]);
    expect(fm).toEqual(expected);
  });

  it('sample is reproducible with a seed, draws a subset, and with replacement may repeat', async () => {
    const data = Array.from({ length: 10000 }, (_, i) => i);
    const rdd = sc.parallelize(data, 4);
    const a = await rdd.sample(false, 0.1, 7).collect();
    const b = await rdd.sample(false, 0.1, 7).collect();
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    expect(a.length).toBeGreaterThan(800);
    expect(a.length).toBeLessThan(1200);
    const w = await rdd.sample(true, 2, 3).collect();
    expect(w.length).toBeGreaterThan(18000);
    expect(w.length).toBeLessThan(22000);
    expect(new Set(w).size).toBeLessThan(w.length);
  });

  it('union, coalesce and zipWithIndex keep partition order', async () => {
    const a = sc.parallelize([1, 2, 3], 2);
    const b = sc.parallelize([4, 5], 3);
    const u = a.union(b);
    expect(await u.getNumPartitions()).toBe(5);
    expect(await u.collect()).toEqual([1, 2, 3, 4, 5]);
    expect(await sc.union([a, b, a]).collect()).toEqual([1, 2, 3, 4, 5, 1, 2, 3]);
    const c = sc.parallelize(nums, 10).coalesce(3);
    expect(await c.getNumPartitions()).toBe(3);
    expect(await c.collect()).toEqual(nums);
    const z = await sc.parallelize(['a', 'b', 'c', 'd', 'e'], 3).zipWithIndex().collect();
    expect(z).toEqual([['a', 0], ['b', 1], ['c', 2], ['d', 3], ['e', 4]]);
  });

  it('cartesian pairs every element with every element', async () => {
    const xs = [1, 2, 3];
    const ys = ['a', 'b'];
    const expected: [number, string][] = [];
    for (const x of xs) for (const y of ys) expected.push([x, y]);
    expectSameMultiset(await sc.parallelize(xs, 2).cartesian(sc.parallelize(ys, 2)).collect(), expected);
  });

  it('pipe runs each partition through a command', async () => {
    const out = await sc.parallelize(['b', 'a', 'c', 'a'], 2).pipe(['tr', 'a-z', 'A-Z']).collect();
    expect(out).toEqual(['B', 'A', 'C', 'A']);
    const counted = await sc.parallelize(['x', 'y', 'z'], 3).pipe('wc -l').collect();
    expect(counted.map((s) => Number(s.trim()))).toEqual([1, 1, 1]);
  });
});

describe('shuffles', () => {
  it('reduceByKey, foldByKey, aggregateByKey, combineByKey on skewed keys with null/undefined keys', async () => {
    const withNums = pairs.map(([k, v]) => [k, typeof v === 'number' ? v : 0] as [typeof k, number]);
    const rdd = sc.parallelize(withNums, 9);
    const sums = new Map<string, number>();
    const counts = new Map<string, number>();
    for (const [k, v] of withNums) {
      sums.set(canon(k), (sums.get(canon(k)) ?? 0) + v);
      counts.set(canon(k), (counts.get(canon(k)) ?? 0) + 1);
    }
    const asMap = (xs: [unknown, unknown][]) => new Map(xs.map(([k, v]) => [canon(k), v]));
    expect(asMap(await rdd.reduceByKey((a, b) => a + b).collect())).toEqual(sums);
    expect(asMap(await rdd.foldByKey(0, (a, b) => a + b, 4).collect())).toEqual(sums);
    expect(asMap(await rdd.aggregateByKey(0, (acc, _v) => acc + 1, (a, b) => a + b, 3).collect())).toEqual(counts);
    const avg = await rdd
      .combineByKey(
        (v) => [v, 1] as [number, number],
        (c, v) => [c[0] + v, c[1] + 1] as [number, number],
        (a, b) => [a[0] + b[0], a[1] + b[1]] as [number, number],
        5,
      )
      .collect();
    const expectedAvg = new Map([...sums].map(([k, s]) => [k, [s, counts.get(k)!]]));
    expect(asMap(avg)).toEqual(expectedAvg);
  });

  it('groupByKey keeps every value, nulls included', async () => {
    const grouped = await sc.parallelize(pairs, 7).groupByKey(5).collect();
    const expected = groupPairs(pairs);
    expect(grouped).toHaveLength(expected.size);
    for (const [k, vs] of grouped) {
      const e = expected.get(canon(k));
      expect(e).toBeDefined();
      expect(vs.map(canon).sort()).toEqual(e!.values.map(canon).sort());
    }
  });

  it('distinct and intersection', async () => {
    expectSameMultiset(await sc.parallelize(nums, 6).distinct(4).collect(), [...new Set(nums)]);
    const other = Array.from({ length: 300 }, (_, i) => i * 3);
    const expected = [...new Set(nums)].filter((x) => other.includes(x));
    expectSameMultiset(await sc.parallelize(nums, 5).intersection(sc.parallelize(other, 3)).collect(), expected);
    expect(await sc.parallelize([null, undefined, null, 1], 2).distinct().count()).toBe(3);
  });

  it('sortByKey ascending and descending, sortBy, over many partitions', async () => {
    const data = numPairs.map(([k, v], i) => [`${k}-${i % 13}`, v] as [string, number]);
    const asc = await sc.parallelize(data, 6).sortByKey(true, 4).collect();
    const keysAsc = data.map((p) => p[0]).sort();
    expect(asc.map((p) => p[0])).toEqual(keysAsc);
    expectSameMultiset(asc, data);
    const desc = await sc.parallelize(data, 6).sortByKey(false, 5).collect();
    expect(desc.map((p) => p[0])).toEqual([...keysAsc].reverse());
    const byValue = await sc.parallelize(nums, 8).sortBy((x) => -x, true, 3).collect();
    expect(byValue).toEqual([...nums].sort((a, b) => b - a));
    const numeric = await sc.parallelize([10, 9, 100, -1, 2.5], 2).sortBy((x) => x).collect();
    expect(numeric).toEqual([-1, 2.5, 9, 10, 100]);
  });

  it('joins and cogroup against nested loops', async () => {
    const left: [string, number][] = [['a', 1], ['a', 2], ['b', 3], ['c', 4], ['hot', 5]];
    const right: [string, string][] = [['a', 'x'], ['b', 'y'], ['b', 'z'], ['d', 'w'], ['hot', 'h']];
    const inner: unknown[] = [];
    const leftOuter: unknown[] = [];
    const rightOuter: unknown[] = [];
    for (const [k, v] of left) {
      const matches = right.filter((r) => r[0] === k);
      for (const [, w] of matches) inner.push([k, [v, w]]);
      if (matches.length === 0) leftOuter.push([k, [v, undefined]]);
      else for (const [, w] of matches) leftOuter.push([k, [v, w]]);
    }
    for (const [k, w] of right) {
      const matches = left.filter((l) => l[0] === k);
      if (matches.length === 0) rightOuter.push([k, [undefined, w]]);
      else for (const [, v] of matches) rightOuter.push([k, [v, w]]);
    }
    const full = [...leftOuter, ...rightOuter.filter((r) => (r as [string, [unknown, unknown]])[1][0] === undefined)];
    const l = sc.parallelize(left, 3);
    const r = sc.parallelize(right, 2);
    expectSameMultiset(await l.join(r).collect(), inner);
    expectSameMultiset(await l.leftOuterJoin(r).collect(), leftOuter);
    expectSameMultiset(await l.rightOuterJoin(r, 4).collect(), rightOuter);
    expectSameMultiset(await l.fullOuterJoin(r).collect(), full);
    const cg = await l.cogroup(r).collect();
    const keys = new Set([...left.map((p) => p[0]), ...right.map((p) => p[0])]);
    expect(cg).toHaveLength(keys.size);
    for (const [k, [vs, ws]] of cg) {
      expect([...vs].sort()).toEqual(left.filter((p) => p[0] === k).map((p) => p[1]).sort());
      expect([...ws].sort()).toEqual(right.filter((p) => p[0] === k).map((p) => p[1]).sort());
    }
  });

  it('join of co-partitioned inputs reads them without another shuffle', async () => {
    const p = new HashPartitioner(4);
    const a = sc.parallelize(numPairs, 3).partitionBy(p);
    const b = sc.parallelize(numPairs.slice(0, 100), 2).partitionBy(p);
    const joined = a.join(b);
    expect(await joined.count()).toBe(
      numPairs.reduce((n, [k]) => n + numPairs.slice(0, 100).filter((q) => q[0] === k).length, 0),
    );
    // both inputs already use p: the join's dependencies on them are narrow
    const { dependencies } = await joined.resolve();
    const cogrouped = dependencies[0]!.rdd;
    expect(cogrouped.dependencies.map((d) => d.kind)).toEqual(['narrow', 'narrow']);
  });

  it('partitionBy puts each key where the partitioner says; repartition keeps all records', async () => {
    const p = new HashPartitioner(3);
    const parts = await sc.parallelize(numPairs, 4).partitionBy(p).glom().collect();
    expect(parts).toHaveLength(3);
    parts.forEach((part, i) => {
      for (const [k] of part) expect(p.getPartition(k)).toBe(i);
    });
    const re = sc.parallelize(nums, 2).repartition(5);
    expect(await re.getNumPartitions()).toBe(5);
    expectSameMultiset(await re.collect(), nums);
    const sizes = (await re.glom().collect()).map((g) => g.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(5);
    expectSameMultiset(await sc.parallelize(nums, 6).coalesce(2, true).collect(), nums);
  });

  it('handles 1,500 partitions, and 1,000 reduce partitions in a shuffle', async () => {
    const data = Array.from({ length: 5000 }, (_, i) => [i % 37, 1] as [number, number]);
    const expected = new Map<number, number>();
    for (const [k] of data) expected.set(k, (expected.get(k) ?? 0) + 1);
    const mapped = await sc.parallelize(data, 1500).map(([k, v]) => [k, v * 2]).collect();
    expect(mapped).toEqual(data.map(([k, v]) => [k, v * 2]));
    const counts = await sc.parallelize(data, 4).reduceByKey((a, b) => a + b, 1000).collect();
    expect(new Map(counts)).toEqual(expected);
  });
});
