import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import type { RDD } from '../../../src/core/rdd/rdd.js';
import { tempDir } from '../../support/temp-dir.js';
import { ensureDistIsFresh } from './build-dist.js';

/**
 * Shuffle cleanup during an application on `local-cluster[2,1,512]`: once
 * the driver cleans a shuffle (here through the cleaner's explicit path;
 * the unit test covers the garbage-collection trigger), both executor
 * processes delete its map output files, other shuffles keep theirs, and a
 * later job over the same RDD recomputes it and gives the right answer.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

beforeAll(() => ensureDistIsFresh(ROOT), 300_000);

const contexts: SparkContext[] = [];
afterEach(async () => {
  for (const sc of contexts.splice(0)) await sc.stop();
});

/** Map output files of `shuffleId` in executor directories under `root`. */
function executorShuffleFiles(root: string, shuffleId: number): string[] {
  const pattern = new RegExp(`^shuffle_${shuffleId}_\\d+_0\\.(data|index)$`);
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 8 || !existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (pattern.test(e.name) && /tspark-executor-/.test(p)) found.push(p);
    }
  };
  walk(root, 0);
  return found;
}

function shuffleIdOf(rdd: RDD<unknown>): number {
  const dep = rdd.dependencies[0];
  if (dep?.kind !== 'shuffle') throw new Error(`${String(rdd)} reads no shuffle`);
  return dep.shuffleId;
}

describe('shuffle cleanup on executors (local-cluster)', () => {
  it('executors delete the files of a cleaned shuffle; a later job recomputes it', async () => {
    const dir = tempDir('tspark-shuffle-cleanup-');
    const sc = new SparkContext({
      master: 'local-cluster[2,1,512]',
      appName: 'shuffle-cleanup-test',
      progress: false,
      conf: { 'spark.local.dir': dir },
    });
    contexts.push(sc);
    const expected = new Map<number, number>();
    for (let i = 0; i < 4000; i++) expected.set(i % 11, (expected.get(i % 11) ?? 0) + i);
    const rdd = sc
      .parallelize(
        Array.from({ length: 4000 }, (_, i) => i),
        6,
      )
      .map((x: number) => [x % 11, x] as [number, number])
      .reduceByKey((a: number, b: number) => a + b, 3);
    const kept = sc
      .parallelize([1, 2, 3, 4, 5, 6], 2)
      .map((x: number) => [x % 3, x] as [number, number])
      .groupByKey(2);
    expect(new Map(await rdd.collect())).toEqual(expected);
    await kept.collect();
    const id = shuffleIdOf(rdd as RDD<unknown>);
    const keptId = shuffleIdOf(kept as RDD<unknown>);
    const before = executorShuffleFiles(dir, id);
    expect(before).toHaveLength(12); // data + index of 6 map tasks
    // both executors wrote some
    expect(new Set(before.map((p) => /tspark-executor-(\d+)-/.exec(p)?.[1])).size).toBe(2);
    const keptFiles = (): string[] =>
      executorShuffleFiles(dir, keptId)
        .map((p) => `${p} ${statSync(p).mtimeMs}`)
        .sort();
    const keptBefore = keptFiles();
    expect(keptBefore.length).toBeGreaterThan(0);

    expect(await sc.cleaner.cleanupShuffle(id)).toBe(true);
    // RemoveShuffle is one-way: the executors delete on their own
    for (let i = 0; i < 200 && executorShuffleFiles(dir, id).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(executorShuffleFiles(dir, id)).toEqual([]);
    expect(keptFiles()).toEqual(keptBefore);
    expect(sc.debugState().shuffles).toBe(1);

    expect(new Map(await rdd.collect())).toEqual(expected);
    expect(executorShuffleFiles(dir, id)).toHaveLength(12);
    // the kept shuffle was not recomputed: the same files, untouched, still serve it
    const keptExpected = new Map<number, number[]>();
    for (let x = 1; x <= 6; x++) keptExpected.set(x % 3, [...(keptExpected.get(x % 3) ?? []), x]);
    const keptResult = (await kept.collect()).map(([k, vs]) => [k, [...vs].sort((p, q) => p - q)] as const);
    expect(new Map(keptResult)).toEqual(keptExpected);
    expect(keptFiles()).toEqual(keptBefore);
  }, 120_000);
});
