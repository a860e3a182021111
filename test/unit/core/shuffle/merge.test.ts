import { describe, expect, it } from 'vitest';
import {
  arrayRun,
  ascendingKeys,
  descendingKeys,
  mergeSortedRuns,
} from '../../../../src/core/shuffle/merge.js';
import { FRAME_TARGET_BYTES } from '../../../../src/core/shuffle/run-file.js';
import { BATCH_SIZE } from '../../../../src/core/batch.js';
import { collect, lcg, plainCompare, type Rec } from './helpers.js';

async function* batched(records: Rec[], size: number): AsyncGenerator<unknown[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size);
  yield []; // empty batches are skipped
}

describe('mergeSortedRuns', () => {
  it('merges runs of different lengths and batch sizes into one sorted stream, stable across runs', async () => {
    const rnd = lcg(3);
    const runs: Rec[][] = Array.from({ length: 9 }, (_, r) =>
      Array.from({ length: r * 311 }, (_, i): Rec => [rnd() % 500, [r, i]]).sort((a, b) =>
        plainCompare(a[0], b[0]),
      ),
    );
    const got = await collect(
      mergeSortedRuns(
        runs.map((run, r) => batched(run, 1 + r * 37)),
        ascendingKeys,
      ),
    );
    // Reference: concatenate in run order, stable sort by key.
    const expected = runs.flat().sort((a, b) => plainCompare(a[0], b[0]));
    expect(got).toEqual(expected);
  });

  it('folds adjacent equal keys and honours descending order', async () => {
    const runs: Rec[][] = [
      [
        ['c', 1],
        ['b', 2],
        ['a', 3],
      ],
      [
        ['c', 10],
        ['a', 30],
      ],
      [
        ['d', 100],
        ['b', 200],
        ['b', 300],
      ],
    ];
    const got = await collect(
      mergeSortedRuns(
        runs.map((r) => arrayRun(r)),
        descendingKeys,
        { first: (v) => [v], add: (acc, v) => [...(acc as unknown[]), v] },
      ),
    );
    expect(got).toEqual([
      ['d', [100]],
      ['c', [1, 10]],
      ['b', [2, 200, 300]],
      ['a', [3, 30]],
    ]);
  });

  it('handles no runs and empty runs', async () => {
    expect(await collect(mergeSortedRuns([], ascendingKeys))).toEqual([]);
    expect(await collect(mergeSortedRuns([arrayRun([]), batched([], 3)], ascendingKeys))).toEqual([]);
  });

  it('caps an output batch near FRAME_TARGET_BYTES when the records (or groups) are large', async () => {
    // groups of four 1 KiB values: BATCH_SIZE of them would be over 16 MiB in one batch
    const keys = 3000;
    const runs: Rec[][] = Array.from({ length: 4 }, (_, r) =>
      Array.from({ length: keys }, (_, k): Rec => [`k${String(k).padStart(5, '0')}`, `${r}:${'x'.repeat(1024)}`]),
    );
    const sizes: number[] = [];
    const got: Rec[] = [];
    for await (const batch of mergeSortedRuns(
      runs.map((run) => arrayRun(run)),
      ascendingKeys,
      { first: (v) => [v], add: (acc, v) => [...(acc as unknown[]), v] },
    )) {
      sizes.push(batch.length);
      got.push(...batch);
    }
    expect(got.length).toBe(keys);
    expect(got.every(([, vs]) => (vs as unknown[]).length === 4)).toBe(true);
    // a group holds over 4 KiB of strings: no batch may hold more than FRAME_TARGET_BYTES / 4 KiB of them
    const maxGroups = Math.floor(FRAME_TARGET_BYTES / (4 * 1024));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxGroups);
    expect(sizes.length).toBeGreaterThan(1);
  });

  it('keeps BATCH_SIZE records a batch for small records', async () => {
    const n = BATCH_SIZE * 2 + 5;
    const run: Rec[] = Array.from({ length: n }, (_, i) => [i, i]);
    const sizes: number[] = [];
    for await (const batch of mergeSortedRuns([arrayRun(run)], ascendingKeys)) sizes.push(batch.length);
    expect(sizes).toEqual([BATCH_SIZE, BATCH_SIZE, 5]);
  });
});
