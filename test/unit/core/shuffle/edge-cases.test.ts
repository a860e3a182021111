import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashPartitioner } from '../../../../src/core/partitioner.js';
import { keyHash } from '../../../../src/core/keys.js';
import { MemoryBudget } from '../../../../src/core/shuffle/memory.js';
import { readLocalShuffleBlock } from '../../../../src/core/shuffle/local-block.js';
import { readShuffleInput } from '../../../../src/core/shuffle/reader.js';
import { writeShuffleOutput } from '../../../../src/core/shuffle/writer.js';
import {
  batchesOf,
  collect,
  listAggregator,
  listDir,
  makeTempDir,
  readMapOutputByHand,
  sumAggregator,
  type Rec,
} from './helpers.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.cleanup());

describe('shuffle edge cases', () => {
  it('handles 2,000 reduce partitions, most of them empty, with and without spills', async () => {
    const records: Rec[] = Array.from({ length: 3_000 }, (_, i): Rec => [`k${i % 700}`, i]);
    for (const budget of [1 << 30, 4096]) {
      const out = await writeShuffleOutput(batchesOf(records, 250), {
        shuffleId: budget,
        mapId: 0,
        partitioner: new HashPartitioner(2_000),
        aggregator: sumAggregator,
        dir: tmp.dir,
        memory: new MemoryBudget(budget),
      });
      expect(out.partitionLengths.length).toBe(2_000);
      const { partitions } = readMapOutputByHand(out.dataPath, out.indexPath);
      const sums = new Map<string, number>();
      for (const [k, v] of records) sums.set(k as string, (sums.get(k as string) ?? 0) + (v as number));
      let nonEmpty = 0;
      for (let p = 0; p < 2_000; p++) {
        if (partitions[p]!.length > 0) nonEmpty++;
        for (const [k, v] of partitions[p]!) {
          expect(keyHash(k) % 2_000).toBe(p);
          expect(v).toBe(sums.get(k as string));
          sums.delete(k as string);
        }
      }
      expect(sums.size).toBe(0);
      expect(nonEmpty).toBeLessThan(700);
    }
  });

  it('carries values larger than the read chunks, and null/undefined keys and values', async () => {
    const big = 'z'.repeat(3 * 1024 * 1024);
    const records: Rec[] = [
      [null, big],
      [undefined, null],
      ['a', undefined],
      [null, 'small'],
      [[1, null], new Map([[1, big.slice(0, 10)]])],
      ['b', big + 'b'],
    ];
    for (const sortKeys of [false, true]) {
      const out = await writeShuffleOutput(batchesOf(records, 2), {
        shuffleId: 7,
        mapId: sortKeys ? 1 : 0,
        partitioner: new HashPartitioner(1),
        sortKeys,
        dir: tmp.dir,
        memory: new MemoryBudget(sortKeys ? 1024 : 1 << 30),
      });
      const got = await collect(
        readShuffleInput([readLocalShuffleBlock(out, 0)], {
          mapSideCombined: false,
          dir: tmp.dir,
          memory: new MemoryBudget(1024),
        }),
      );
      // Order-insensitive comparison: serialize each record the same way.
      const norm = (r: Rec): string =>
        JSON.stringify([
          r[0] === undefined ? '<u>' : r[0],
          r[1] instanceof Map ? [...r[1]] : r[1] === undefined ? '<u>' : r[1],
        ]);
      expect(got.map(norm).sort()).toEqual(records.map(norm).sort());
      if (sortKeys) {
        // undefined < null < strings < arrays.
        expect(got.map((r) => r[0])).toEqual([undefined, null, null, 'a', 'b', [1, null]]);
      }
    }
    expect(listDir(tmp.dir).every((f) => f.endsWith('.data') || f.endsWith('.index'))).toBe(true);
  });

  it('spills a few keys with huge groups (skew), and still groups them whole', async () => {
    const records: Rec[] = Array.from({ length: 30_000 }, (_, i): Rec => [`hot${i % 3}`, i]);
    const out = await writeShuffleOutput(batchesOf(records, 1000), {
      shuffleId: 9,
      mapId: 0,
      partitioner: new HashPartitioner(1),
      dir: tmp.dir,
      memory: new MemoryBudget(1 << 30),
    });
    const metrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
    const got = await collect(
      readShuffleInput([readLocalShuffleBlock(out, 0)], {
        aggregator: listAggregator,
        mapSideCombined: false,
        dir: tmp.dir,
        memory: new MemoryBudget(16 * 1024),
        metrics,
      }),
    );
    expect(metrics.spillCount).toBeGreaterThan(0);
    expect(got.map((r) => r[0]).sort()).toEqual(['hot0', 'hot1', 'hot2']);
    for (const [k, vs] of got) {
      const want = records.filter((r) => r[0] === k).map((r) => r[1] as number);
      expect((vs as number[]).slice().sort((a, b) => a - b)).toEqual(want);
    }
  });

  it('skips empty input batches', async () => {
    async function* input(): AsyncGenerator<Rec[]> {
      yield [];
      yield [['x', 1]];
      yield [];
    }
    const out = await writeShuffleOutput(input(), {
      shuffleId: 8,
      mapId: 0,
      partitioner: new HashPartitioner(2),
      dir: tmp.dir,
      memory: new MemoryBudget(1 << 20),
    });
    expect(out.metrics.recordsWritten).toBe(1);
    const all = readMapOutputByHand(out.dataPath, out.indexPath).partitions.flat();
    expect(all).toEqual([['x', 1]]);
  });
});
