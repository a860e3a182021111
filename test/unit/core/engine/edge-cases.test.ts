import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SparkContext } from '../../../../src/core/context.js';
import { expectSchedulerIdle, testContext } from './helpers.js';

let sc: SparkContext;
let dir: string;
beforeAll(async () => {
  sc = testContext('local[2]');
  dir = await mkdtemp(join(tmpdir(), 'tspark-edge-'));
});
afterAll(async () => {
  await sc.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  expectSchedulerIdle(sc);
});

describe('edge cases', () => {
  it('shuffles of empty inputs, including inputs with no partitions', async () => {
    expect(await sc.emptyRDD<[string, number]>().reduceByKey((a, b) => a + b).collect()).toEqual([]);
    expect(await sc.parallelize<[number, number]>([], 5).groupByKey(3).count()).toBe(0);
    expect(await sc.parallelize<[number, number]>([], 5).sortByKey().collect()).toEqual([]);
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    const words = sc.textFile(empty).map((w) => [w, 1] as [string, number]);
    expect(await words.reduceByKey((a, b) => a + b).collect()).toEqual([]);
    expect(await words.join(sc.parallelize([['a', 2]] as [string, number][], 2)).collect()).toEqual([]);
  });

  it('one partition, one record, many stages', async () => {
    const r = await sc
      .parallelize([[1, 'a']] as [number, string][], 1)
      .groupByKey()
      .mapValues((vs) => vs.length)
      .sortByKey(false)
      .collect();
    expect(r).toEqual([[1, 1]]);
  });

  it('undefined and null records pass through every kind of operation', async () => {
    const data = [undefined, null, 0, '', undefined];
    expect(await sc.parallelize(data, 3).collect()).toEqual(data);
    expect(await sc.parallelize(data, 3).filter((x) => x === undefined).count()).toBe(2);
    expect(new Map(await sc.parallelize(data, 2).map((x) => [x, 1] as [unknown, number]).reduceByKey((a, b) => a + b).collect())).toEqual(
      new Map<unknown, number>([[undefined, 2], [null, 1], [0, 1], ['', 1]]),
    );
    expect(await sc.parallelize(data, 2).sortBy((x) => x).collect()).toEqual([undefined, undefined, null, 0, '']);
  });

  it('a job over more partitions than records leaves most tasks empty', async () => {
    const r = await sc.parallelize([3, 1, 2], 64).sortBy((x) => x, true, 16).collect();
    expect(r).toEqual([1, 2, 3]);
  });

  it('records that cannot be serialized fail the job with a clear message', async () => {
    const err = await sc
      .parallelize([1, () => 2], 2)
      .collect()
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/cannot be sent to executors.*node:v8 can serialize/);
    const err2 = await sc
      .parallelize([1, 2], 2)
      .map((x) => (x === 2 ? () => x : x))
      .collect()
      .catch((e: unknown) => e as Error);
    expect((err2 as Error).message).toMatch(/task result cannot be sent to the driver/);
  });
});
