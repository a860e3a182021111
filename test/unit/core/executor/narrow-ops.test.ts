import { describe, expect, it } from 'vitest';
import { BATCH_SIZE, collectBatches, fromArray } from '../../../../src/core/batch.js';
import type { FunctionSpec } from '../../../../src/core/closure/shipped-function.js';
import type { ExecutorState } from '../../../../src/core/executor/executor-state.js';
import { applyNarrowOps } from '../../../../src/core/executor/narrow-ops.js';
import type { NarrowOp, Partition } from '../../../../src/core/rdd/spec.js';

// The state only has to hand functions back: a "spec" here is already the rebuilt function.
const state = { fn: (spec: FunctionSpec) => Promise.resolve(spec) } as unknown as ExecutorState;
const partition = { index: 0 } as Partition;

function fn(f: (...args: never[]) => unknown): FunctionSpec {
  return { fn: f, env: undefined } as unknown as FunctionSpec;
}

async function run(ops: NarrowOp[], input: unknown[], inputBatch = 100): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of await applyNarrowOps(ops, fromArray(input, inputBatch), partition, state)) out.push(b);
  return out;
}

const numbers = Array.from({ length: 1000 }, (_, i) => i);

describe('applyNarrowOps', () => {
  it('runs a chain of record ops in order, across input batches, with no empty batch', async () => {
    const ops: NarrowOp[] = [
      { op: 'map', fn: fn((x: number) => x * 3) },
      { op: 'filter', fn: fn((x: number) => x % 2 === 0) },
      { op: 'flatMap', fn: fn((x: number) => [x, -x]) },
      { op: 'keyBy', fn: fn((x: number) => x % 7) },
      { op: 'mapValues', fn: fn((v: number) => v + 1) },
    ];
    const batches = await run(ops, numbers, 64);
    const expected: unknown[] = [];
    for (const n of numbers) {
      const t = n * 3;
      if (t % 2 !== 0) continue;
      for (const y of [t, -t]) expected.push([y % 7, y + 1]);
    }
    expect(batches.flat()).toEqual(expected);
    expect(batches.every((b) => b.length > 0)).toBe(true);
  });

  it('cuts the output of an exploding flatMap into batches of about BATCH_SIZE, order kept', async () => {
    const perRecord = 1000;
    const batches = await run([{ op: 'flatMap', fn: fn((x: number) => Array.from({ length: perRecord }, (_, j) => x * perRecord + j)) }], numbers.slice(0, 20), 20);
    expect(batches.length).toBeGreaterThan(1);
    // cut between input records: at most one record's output beyond BATCH_SIZE
    for (const b of batches) expect(b.length).toBeLessThan(BATCH_SIZE + perRecord);
    expect(batches.length).toBeGreaterThanOrEqual(Math.floor((20 * perRecord) / (BATCH_SIZE + perRecord)));
    expect(batches.flat()).toEqual(Array.from({ length: 20 * perRecord }, (_, i) => i));
  });

  it('takes flatMap results that are not arrays (generators, sets)', async () => {
    const ops: NarrowOp[] = [
      {
        op: 'flatMap',
        fn: fn(function* (x: number) {
          if (x % 3 === 0) yield x;
        }),
      },
      { op: 'flatMap', fn: fn((x: number) => new Set([x, x + 0.5])) },
    ];
    const expected = numbers.filter((x) => x % 3 === 0).flatMap((x) => [x, x + 0.5]);
    expect((await run(ops, numbers)).flat()).toEqual(expected);
  });

  it('lets a whole-partition op end one fused run and start the next', async () => {
    const ops: NarrowOp[] = [
      { op: 'map', fn: fn((x: number) => x + 1) },
      {
        op: 'mapPartitions',
        fn: fn(async function* (records: AsyncIterable<number>) {
          let sum = 0;
          let count = 0;
          for await (const r of records) {
            sum += r;
            count++;
          }
          yield sum;
          yield count;
        }),
      },
      { op: 'map', fn: fn((x: number) => x * 2) },
      { op: 'glom' },
    ];
    const sum = numbers.reduce((a, x) => a + x + 1, 0);
    expect(await run(ops, numbers)).toEqual([[[sum * 2, numbers.length * 2]]]);
  });

  it('keeps the per-partition state of zipWithIndex, keys and values and flatMapValues', async () => {
    const ops: NarrowOp[] = [
      { op: 'zipWithIndex', startIndices: [500] },
      { op: 'flatMapValues', fn: fn((i: number) => [i, i + 0.25]) },
      { op: 'values' },
    ];
    const expected = numbers.flatMap((_, i) => [500 + i, 500 + i + 0.25]);
    expect((await run(ops, numbers, 33)).flat()).toEqual(expected);
    const keys = await run([{ op: 'keyBy', fn: fn((x: number) => `k${x}`) }, { op: 'keys' }], numbers);
    expect(keys.flat()).toEqual(numbers.map((x) => `k${x}`));
  });

  it('samples the same records for the same seed and partition', async () => {
    const op: NarrowOp = { op: 'sample', withReplacement: false, fraction: 0.3, seed: 42 };
    const a = (await run([op], numbers)).flat();
    const b = (await run([op], numbers)).flat();
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(200);
    expect(a.length).toBeLessThan(400);
    expect(a.every((x, i) => i === 0 || (x as number) > (a[i - 1] as number))).toBe(true);
  });

  it("surfaces a user function's error to the consumer", async () => {
    const ops: NarrowOp[] = [
      {
        op: 'map',
        fn: fn((x: number) => {
          if (x === 700) throw new Error('bad record 700');
          return x;
        }),
      },
    ];
    await expect(collectBatches(await applyNarrowOps(ops, fromArray(numbers, 100), partition, state))).rejects.toThrow('bad record 700');
  });
});
