import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import { ensureDistIsFresh } from './build-dist.js';
import { localClusterContext, waitFor, type LocalClusterContext } from '../../support/local-cluster-context.js';

/**
 * The executors' block managers on local-cluster (real executor processes):
 * task results too large for a status update travel as taskresult_ blocks
 * fetched from the executor's block server (Spark's IndirectTaskResult), with
 * spark.driver.maxResultSize checked before the fetch. Driver and executor
 * logs are captured to check which path was taken.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

beforeAll(() => ensureDistIsFresh(ROOT), 300_000);

const contexts: SparkContext[] = [];
afterEach(async () => {
  for (const sc of contexts.splice(0)) await sc.stop();
});

function cluster(master: string, conf: Record<string, string> = {}): LocalClusterContext {
  return localClusterContext(contexts, { master, appName: 'blocks-test', conf });
}

const MiB = 1024 * 1024;

/** Partition i's result: one string of `mib` MiB whose characters depend on i, so mix-ups show. */
function bigStrings(sc: SparkContext, partitions: number, mib: number): Promise<string[]> {
  return sc
    .parallelize(
      Array.from({ length: partitions }, (_, i) => [i, mib] as [number, number]),
      partitions,
    )
    .map(([i, m]: [number, number]) => String.fromCharCode(97 + i).repeat(m * 1024 * 1024 - 8) + String(i).padStart(8, '0'))
    .collect();
}

describe('local-cluster[2,1,1024]: indirect task results', () => {
  it('fetches results of several MiB per task from the executors’ block servers, and keeps small ones direct', async () => {
    const { sc, backend, messages } = cluster('local-cluster[2,1,1024]');
    const small = await sc.parallelize([1, 2, 3, 4], 4).map((x: number) => x * 10).collect();
    expect(small).toEqual([10, 20, 30, 40]);
    const afterSmall = backend().resultStats();
    expect(afterSmall.indirect).toBe(0);
    expect(afterSmall.direct).toBeGreaterThanOrEqual(4);

    const results = await bigStrings(sc, 4, 3);
    expect(results).toHaveLength(4);
    results.forEach((s, i) => {
      expect(s.length).toBe(3 * MiB);
      expect(s[0]).toBe(String.fromCharCode(97 + i));
      expect(s.endsWith(String(i).padStart(8, '0'))).toBe(true);
    });
    const stats = backend().resultStats();
    expect(stats.indirect).toBe(4);
    expect(stats.indirectBytes).toBeGreaterThan(4 * 3 * MiB);
    expect(stats.lost).toBe(0);
    await waitFor('the executors to log 4 indirect results', () =>
      messages().filter((m) => /kept as block taskresult_\d+ for the driver to fetch/.test(m)).length === 4,
    );
    expect(messages().filter((m) => /^Fetched the result of task \d+ \(\d+ bytes\) from the block server/.test(m)).length).toBe(4);

    // small results still ride the status update
    expect(await sc.parallelize([5, 6], 2).collect()).toEqual([5, 6]);
    expect(backend().resultStats().indirect).toBe(4);
  });

  it('fails an action over spark.driver.maxResultSize with the clear error, checked on the sizes before fetching', async () => {
    const { sc, backend } = cluster('local-cluster[2,1,1024]', { 'spark.driver.maxResultSize': '5m' });
    // 4 results of 2 MiB: the third one's size breaks the limit
    const err = await bigStrings(sc, 4, 2).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /Total size of serialized results of \d+ tasks \(.*\) is bigger than spark\.driver\.maxResultSize \(5\.0 MiB\)/,
    );
    expect(backend().resultStats().refused).toBeGreaterThanOrEqual(1);
    expect(backend().resultStats().indirect).toBeLessThanOrEqual(2);

    // one result alone over the limit: the executor drops it and sends only its size
    const alone = await bigStrings(sc, 1, 6).catch((e: unknown) => e as Error);
    expect((alone as Error).message).toMatch(
      /Total size of serialized results of 1 task \(6\.0 MiB\) is bigger than spark\.driver\.maxResultSize \(5\.0 MiB\)/,
    );
    // the context stays usable
    expect(await sc.parallelize([1, 2, 3], 3).map((x: number) => x + 1).collect()).toEqual([2, 3, 4]);
  });
});

describe('local-cluster[2,2,1024]: one cache per executor, served to peers', () => {
  it('computes a cached partition once, whichever task thread or executor reads it next', async () => {
    const { sc, messages } = cluster('local-cluster[2,2,1024]', { 'spark.locality.wait': '0' });
    const computed = sc.longAccumulator('computed');
    const n = 4000;
    const doubled = sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        8,
      )
      .map(
        (x: number, env: { computed: typeof computed }) => {
          env.computed.add(1);
          return x * 2;
        },
        { computed },
      )
      .cache();
    expect(await doubled.count()).toBe(n);
    expect(computed.value).toBe(n);
    const cachedOn = messages().filter((m) => /Read cached block rdd_/.test(m)).length;
    expect(cachedOn).toBe(0);

    // a second and third job: every partition from a cache, on any thread of any executor
    let expectedSum = 0;
    for (let i = 0; i < n; i++) expectedSum += i * 2;
    expect(await doubled.reduce((a: number, b: number) => a + b)).toBe(expectedSum);
    expect(await doubled.map((x: number) => x + 1).count()).toBe(n);
    expect(computed.value).toBe(n);

    // one task reads all 8 partitions: those cached on the other executor come from its block server
    const all = await doubled.coalesce(1).collect();
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i * 2));
    expect(computed.value).toBe(n);
    await waitFor('an executor to log a cached block read from the other one', () =>
      messages().some((m) => /Read cached block rdd_\d+_\d+ \(\d+ bytes\) from executor/.test(m)),
    );
  });
});
