import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import { estimateSize } from '../../../src/core/shuffle/index.js';

/**
 * groupByKey and sortByKey over a data set several times larger than the
 * shuffle memory of a task: the shuffle must spill and merge, give correct
 * results, and leave no spill files behind.
 *
 * Memory: spark.driver.memory 128m x spark.memory.fraction 0.5 / 1 thread
 * = a 64 MiB budget per task. Data: 1,000,000 records of ~310 estimated bytes
 * (about 310 MB), in 2 map partitions of ~155 MB each.
 */
const RECORDS = 1_000_000;
const KEYS = 50_000;
const PAYLOAD = 200;

let dir: string;
let sc: SparkContext;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tspark-spill-'));
  sc = new SparkContext({
    master: 'local[1]',
    appName: 'spill',
    progress: false,
    conf: { 'spark.driver.memory': '128m', 'spark.memory.fraction': '0.5', 'spark.local.dir': dir },
  });
});
afterAll(async () => {
  await sc.stop();
  // everything under spark.local.dir is gone after stop: shuffle, spill and block files
  expect(await readdir(dir)).toEqual([]);
  await rm(dir, { recursive: true, force: true });
});

const record = (i: number): [number, string] => [(i * 7919) % KEYS, 'v'.repeat(PAYLOAD) + i];

/** Files under the application's directory that are not final shuffle outputs. */
async function strayFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (!/^shuffle_\d+_\d+_0\.(data|index)$/.test(e.name)) out.push(p);
    }
  };
  await walk(root);
  return out;
}

describe('shuffle larger than memory', () => {
  it('the data set is at least 4x the memory limit', () => {
    let bytes = 0;
    for (let i = 0; i < RECORDS; i += 97) bytes += estimateSize(record(i)) * 97;
    expect(bytes).toBeGreaterThan(4 * 64 * 1024 * 1024);
  });

  it('groupByKey spills, merges, and groups every value', async () => {
    const before = sc.taskMetrics().spillCount;
    const summary = await sc
      .range(0, RECORDS, 1, 2)
      .map((i, env) => [(i * 7919) % env.keys, 'v'.repeat(env.payload) + i] as [number, string], { keys: KEYS, payload: PAYLOAD })
      .groupByKey(2)
      .mapPartitions(async function* (groups, env) {
        let keys = 0;
        let values = 0;
        let checksum = 0;
        for await (const [k, vs] of groups) {
          keys++;
          values += vs.length;
          for (const v of vs) checksum = (checksum + Number(v.slice(env.payload)) * (k + 1)) % 1_000_000_007;
        }
        yield [keys, values, checksum];
      }, { payload: PAYLOAD })
      .collect();
    let expectedChecksum = 0;
    for (let i = 0; i < RECORDS; i++) expectedChecksum = (expectedChecksum + i * (((i * 7919) % KEYS) + 1)) % 1_000_000_007;
    expect(summary.reduce((a, s) => a + s[0]!, 0)).toBe(KEYS);
    expect(summary.reduce((a, s) => a + s[1]!, 0)).toBe(RECORDS);
    expect(summary.reduce((a, s) => (a + s[2]!) % 1_000_000_007, 0)).toBe(expectedChecksum);
    expect(sc.taskMetrics().spillCount).toBeGreaterThan(before);
    expect(await strayFiles(dir)).toEqual([]);
  });

  it('sortByKey spills on the map side and returns every record in key order', async () => {
    const before = sc.taskMetrics().spillCount;
    const parts = await sc
      .range(0, RECORDS, 1, 2)
      .map((i, env) => [(i * 7919) % env.keys, 'v'.repeat(env.payload) + i] as [number, string], { keys: KEYS, payload: PAYLOAD })
      .sortByKey(true, 3)
      .mapPartitions(async function* (records) {
        let n = 0;
        let first: number | undefined;
        let last: number | undefined;
        let sorted = true;
        for await (const [k] of records) {
          if (first === undefined) first = k;
          if (last !== undefined && k < last) sorted = false;
          last = k;
          n++;
        }
        yield { n, first, last, sorted };
      })
      .collect();
    expect(parts.reduce((a, p) => a + p.n, 0)).toBe(RECORDS);
    expect(parts.every((p) => p.sorted)).toBe(true);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.first!).toBeGreaterThan(parts[i - 1]!.last!);
    expect(sc.taskMetrics().spillCount).toBeGreaterThan(before);
    expect(await strayFiles(dir)).toEqual([]);
  });
});
