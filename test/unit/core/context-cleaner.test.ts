import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ContextCleaner, type CleanupActions } from '../../../src/core/context-cleaner.js';
import { SparkContext } from '../../../src/core/context.js';
import type { RDD } from '../../../src/core/rdd/rdd.js';
import { silentLogger } from '../../../src/log.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * The context cleaner in local mode (worker threads writing shuffle files
 * under the context's directory): a shuffle cleaned explicitly, and one
 * whose RDD became garbage, has no files left and no map outputs on the
 * driver; a later job over the same data still gives the right answer.
 */

const contexts: SparkContext[] = [];
afterEach(async () => {
  for (const sc of contexts.splice(0)) await sc.stop();
});

function newContext(conf: Record<string, string> = {}): { sc: SparkContext; dir: string } {
  const dir = tempDir('tspark-cleaner-');
  const sc = new SparkContext({
    master: 'local[2]',
    appName: 'cleaner-test',
    progress: false,
    conf: { 'spark.local.dir': dir, ...conf },
  });
  contexts.push(sc);
  return { sc, dir };
}

/** Map output files of `shuffleId` (or of every shuffle) under `root`. */
function shuffleFiles(root: string, shuffleId?: number): string[] {
  const pattern = new RegExp(`^shuffle_${shuffleId ?? '\\d+'}_\\d+_0\\.(data|index)$`);
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 8 || !existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (pattern.test(e.name)) found.push(p);
    }
  };
  walk(root, 0);
  return found;
}

function sums(sc: SparkContext): RDD<[number, number]> {
  return sc
    .parallelize(
      Array.from({ length: 1000 }, (_, i) => i),
      4,
    )
    .map((x: number) => [x % 7, x] as [number, number])
    .reduceByKey((a: number, b: number) => a + b, 3);
}

function expectedSums(): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < 1000; i++) m.set(i % 7, (m.get(i % 7) ?? 0) + i);
  return m;
}

function shuffleIdOf(rdd: RDD<unknown>): number {
  const dep = rdd.dependencies[0];
  if (dep?.kind !== 'shuffle') throw new Error(`${String(rdd)} reads no shuffle`);
  return dep.shuffleId;
}

/** V8's gc(), made callable without --expose-gc on the command line. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('ContextCleaner (local mode)', () => {
  it('an explicitly cleaned shuffle loses its files and map outputs; the next job recomputes it', async () => {
    const { sc, dir } = newContext();
    const rdd = sums(sc);
    const other = sc
      .parallelize([1, 2, 3, 4], 2)
      .map((x: number) => [x % 2, x] as [number, number])
      .groupByKey(2);
    expect(new Map(await rdd.collect())).toEqual(expectedSums());
    await other.collect();
    const id = shuffleIdOf(rdd as RDD<unknown>);
    const otherId = shuffleIdOf(other as RDD<unknown>);
    expect(shuffleFiles(dir, id).length).toBe(2 * 4); // data + index per map task
    expect(shuffleFiles(dir, otherId).length).toBeGreaterThan(0);
    expect(sc.debugState().shuffles).toBe(2);

    expect(await sc.cleaner.cleanupShuffle(id)).toBe(true);
    expect(shuffleFiles(dir, id)).toEqual([]);
    // only that shuffle
    expect(shuffleFiles(dir, otherId).length).toBeGreaterThan(0);
    expect(sc.debugState().shuffles).toBe(1);

    // the RDD is still usable: its map stage runs again
    expect(new Map(await rdd.collect())).toEqual(expectedSums());
    expect(shuffleFiles(dir, id).length).toBe(8);
    expect(sc.debugState().shuffles).toBe(2);
  });

  it('cleans a shuffle once its RDD is garbage (FinalizationRegistry), and not with spark.cleaner.referenceTracking=false', async () => {
    const gc = exposedGc();
    const tracked = newContext();
    const untracked = newContext({ 'spark.cleaner.referenceTracking': 'false' });
    expect(tracked.sc.cleaner.tracking).toBe(true);
    expect(untracked.sc.cleaner.tracking).toBe(false);

    // the RDDs live only inside this function; their files are counted while they are still
    // referenced (once it returns, any collection, ours or V8's own, may clean them)
    const run = async ({ sc, dir }: { sc: SparkContext; dir: string }): Promise<number> => {
      const rdd = sums(sc);
      expect(new Map(await rdd.collect())).toEqual(expectedSums());
      const shuffleId = shuffleIdOf(rdd as RDD<unknown>);
      expect(shuffleFiles(dir, shuffleId).length).toBe(8);
      return shuffleIdOf(rdd as RDD<unknown>); // rdd used last here: alive through the count
    };
    const id = await run(tracked);
    const untrackedId = await run(untracked);

    for (let i = 0; i < 100 && shuffleFiles(tracked.dir, id).length > 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(shuffleFiles(tracked.dir, id)).toEqual([]);
    expect(tracked.sc.debugState().shuffles).toBe(0);
    // the same collections left the untracked context's files alone
    expect(shuffleFiles(untracked.dir, untrackedId).length).toBe(8);
    expect(untracked.sc.debugState().shuffles).toBe(1);

    // later jobs still run
    expect(new Map(await sums(tracked.sc).collect())).toEqual(expectedSums());
  });
});

describe('ContextCleaner (its own rules, with recorded actions)', () => {
  function recorded(options: { inUse?: Set<number> } = {}) {
    const calls: string[] = [];
    const actions: CleanupActions = {
      unregisterShuffle: (id) => {
        calls.push(`unregister ${id}`);
        return !options.inUse?.has(id);
      },
      removeShuffleFiles: async (id) => void calls.push(`remove ${id}`),
      unpersistRdd: (id) => void calls.push(`unpersist ${id}`),
    };
    return { calls, actions };
  }

  it('refuses a shuffle a running job still uses: nothing is deleted, and it can be cleaned later', async () => {
    const inUse = new Set([5]);
    const { calls, actions } = recorded({ inUse });
    const cleaner = new ContextCleaner(actions, { referenceTracking: true, logger: silentLogger() });
    expect(await cleaner.cleanupShuffle(5)).toBe(false);
    expect(calls).toEqual(['unregister 5']);
    inUse.clear();
    expect(await cleaner.cleanupShuffle(5)).toBe(true);
    expect(calls).toEqual(['unregister 5', 'unregister 5', 'remove 5']);
    await cleaner.stop();
    expect(await cleaner.cleanupShuffle(5)).toBe(false);
    expect(calls).toHaveLength(3);
  });

  it('drops the blocks of a persisted RDD once the RDD object is garbage; untracked, never', async () => {
    const gc = exposedGc();
    const tracked = recorded();
    const untracked = recorded();
    const cleaners = [
      new ContextCleaner(tracked.actions, { referenceTracking: true, logger: silentLogger() }),
      new ContextCleaner(untracked.actions, { referenceTracking: false, logger: silentLogger() }),
    ];
    // the registered objects live only inside this function; one stays referenced
    const kept: object[] = [];
    const register = (): void => {
      for (const cleaner of cleaners) {
        cleaner.registerRddForCleanup({ rdd: 7 }, 7);
        cleaner.registerShuffleForCleanup({ shuffle: 3 }, 3);
        const alive = { rdd: 8 };
        kept.push(alive);
        cleaner.registerRddForCleanup(alive, 8);
      }
    };
    register();
    for (let i = 0; i < 100 && tracked.calls.length < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect([...tracked.calls].sort()).toEqual(['remove 3', 'unregister 3', 'unpersist 7'].sort());
    expect(untracked.calls).toEqual([]);
    expect(kept).toHaveLength(2);
    for (const cleaner of cleaners) await cleaner.stop();
  });
});
