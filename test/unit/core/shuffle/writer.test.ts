import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashPartitioner, type Partitioner } from '../../../../src/core/partitioner.js';
import { keyHash } from '../../../../src/core/keys.js';
import { MemoryBudget } from '../../../../src/core/shuffle/memory.js';
import { shuffleFilePaths, writeShuffleOutput } from '../../../../src/core/shuffle/writer.js';
import { readLocalShuffleBlock } from '../../../../src/core/shuffle/local-block.js';
import {
  batchesOf,
  lcg,
  listAggregator,
  listDir,
  makeTempDir,
  plainCompare,
  readMapOutputByHand,
  sumAggregator,
  type Rec,
} from './helpers.js';

/** A partitioner independent of keyHash: integer keys mod n. */
function modPartitioner(n: number): Partitioner {
  return {
    numPartitions: n,
    getPartition: (k) => (k as number) % n,
    equals: () => false,
    toSpec: () => ({ kind: 'hash', numPartitions: n }),
  };
}

function intRecords(count: number, distinctKeys: number, seed: number): Rec[] {
  const rnd = lcg(seed);
  const out: Rec[] = [];
  for (let i = 0; i < count; i++) out.push([rnd() % distinctKeys, rnd() % 1000]);
  return out;
}

function multiset(recs: readonly Rec[]): string[] {
  return recs.map((r) => JSON.stringify(r)).sort();
}

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.cleanup());

const UNLIMITED = 1 << 30;
const TINY = 8 * 1024;

describe('writeShuffleOutput', () => {
  for (const [label, budget] of [
    ['in memory', UNLIMITED],
    ['with forced spills', TINY],
  ] as const) {
    describe(label, () => {
      it('routes every record to its partition, index and data in the contract format', async () => {
        const records = intRecords(20_000, 3_000, 1);
        const n = 7;
        const out = await writeShuffleOutput(batchesOf(records, 1000), {
          shuffleId: 3,
          mapId: 5,
          partitioner: modPartitioner(n),
          dir: tmp.dir,
          memory: new MemoryBudget(budget),
        });
        expect(out.dataPath).toBe(shuffleFilePaths(tmp.dir, 3, 5).dataPath);
        const { offsets, partitions } = readMapOutputByHand(out.dataPath, out.indexPath);
        expect(offsets.length).toBe(n + 1);
        expect(offsets[0]).toBe(0);
        expect(offsets[n]).toBe(out.metrics.bytesWritten);
        expect(out.partitionLengths).toEqual(offsets.slice(1).map((o, i) => o - offsets[i]!));
        for (let p = 0; p < n; p++) {
          const expected = records.filter(([k]) => (k as number) % n === p);
          expect(multiset(partitions[p]!)).toEqual(multiset(expected));
        }
        expect(out.metrics.recordsWritten).toBe(records.length);
        if (budget === TINY) expect(out.metrics.spillCount).toBeGreaterThan(0);
        else expect(out.metrics.spillCount).toBe(0);
        expect(listDir(tmp.dir)).toEqual(['shuffle_3_5_0.data', 'shuffle_3_5_0.index']);
      });

      it('sorts each partition by key when asked, keeping values of equal keys in arrival order', async () => {
        const records = intRecords(20_000, 500, 2).map(([k, v], i): Rec => [`key-${k as number}`, [v, i]]);
        for (const sortKeys of [true, 'descending'] as const) {
          const out = await writeShuffleOutput(batchesOf(records, 777), {
            shuffleId: 1,
            mapId: sortKeys === true ? 0 : 1,
            partitioner: new HashPartitioner(4),
            sortKeys,
            dir: tmp.dir,
            memory: new MemoryBudget(budget),
          });
          const { partitions } = readMapOutputByHand(out.dataPath, out.indexPath);
          for (let p = 0; p < 4; p++) {
            const sign = sortKeys === true ? 1 : -1;
            // Reference: a stable plain sort of the partition's records in arrival order.
            const expected = records
              .filter(([k]) => keyHash(k) % 4 === p)
              .slice()
              .sort((a, b) => sign * plainCompare(a[0], b[0]));
            expect(partitions[p]).toEqual(expected);
          }
        }
      });

      it('combines values map-side with the aggregator', async () => {
        const records = intRecords(30_000, 2_000, 3);
        const n = 5;
        const out = await writeShuffleOutput(batchesOf(records, 1000), {
          shuffleId: 0,
          mapId: 0,
          partitioner: modPartitioner(n),
          aggregator: sumAggregator,
          dir: tmp.dir,
          memory: new MemoryBudget(budget),
        });
        const sums = new Map<number, number>();
        for (const [k, v] of records) sums.set(k as number, (sums.get(k as number) ?? 0) + (v as number));
        const { partitions } = readMapOutputByHand(out.dataPath, out.indexPath);
        for (let p = 0; p < n; p++) {
          const expected = [...sums].filter(([k]) => k % n === p);
          // Each key exactly once per map output, with its full sum.
          expect(multiset(partitions[p]!)).toEqual(multiset(expected));
        }
        expect(out.metrics.recordsWritten).toBe(sums.size);
        if (budget === TINY) expect(out.metrics.spillCount).toBeGreaterThan(0);
      });

      it('groups values into lists map-side, sorted by key when asked', async () => {
        const records = intRecords(10_000, 700, 4).map(([k, v]): Rec => [[k, 'x'], v]);
        const out = await writeShuffleOutput(batchesOf(records, 500), {
          shuffleId: 0,
          mapId: 1,
          partitioner: new HashPartitioner(3),
          aggregator: listAggregator,
          sortKeys: true,
          dir: tmp.dir,
          memory: new MemoryBudget(budget),
        });
        const groups = new Map<number, number[]>();
        for (const [k, v] of records) {
          const id = (k as [number, string])[0];
          const g = groups.get(id) ?? [];
          g.push(v as number);
          groups.set(id, g);
        }
        const { partitions } = readMapOutputByHand(out.dataPath, out.indexPath);
        for (let p = 0; p < 3; p++) {
          const expected = [...groups]
            .filter(([id]) => keyHash([id, 'x']) % 3 === p)
            .sort((a, b) => a[0] - b[0])
            .map(([id, vs]) => [[id, 'x'], vs.slice().sort((a, b) => a - b)]);
          const got = partitions[p]!.map(([k, vs]) => [k, (vs as number[]).slice().sort((a, b) => a - b)]);
          expect(got).toEqual(expected);
        }
      });
    });
  }

  it('writes an empty map output: all partitions empty', async () => {
    const out = await writeShuffleOutput(batchesOf([], 10), {
      shuffleId: 9,
      mapId: 0,
      partitioner: new HashPartitioner(3),
      dir: tmp.dir,
      memory: new MemoryBudget(UNLIMITED),
    });
    expect(out.partitionLengths).toEqual([0, 0, 0]);
    expect(readMapOutputByHand(out.dataPath, out.indexPath).offsets).toEqual([0, 0, 0, 0]);
    for (let p = 0; p < 3; p++) {
      const chunks: Buffer[] = [];
      for await (const c of readLocalShuffleBlock(out, p)) chunks.push(c);
      expect(chunks).toEqual([]);
    }
  });

  it('deletes spill and temporary files when the input fails, and rethrows', async () => {
    const records = intRecords(20_000, 5_000, 5);
    async function* failing(): AsyncGenerator<Rec[]> {
      yield* batchesOf(records, 1000);
      throw new Error('upstream task failed');
    }
    for (const aggregator of [undefined, sumAggregator]) {
      await expect(
        writeShuffleOutput(failing(), {
          shuffleId: 2,
          mapId: 0,
          partitioner: new HashPartitioner(4),
          ...(aggregator ? { aggregator } : {}),
          dir: tmp.dir,
          memory: new MemoryBudget(TINY),
        }),
      ).rejects.toThrow('upstream task failed');
      expect(listDir(tmp.dir)).toEqual([]);
    }
  });

  it('releases its memory and reports spill bytes', async () => {
    const memory = new MemoryBudget(64 * 1024);
    const records = intRecords(50_000, 50_000, 6);
    const out = await writeShuffleOutput(batchesOf(records, 4096), {
      shuffleId: 4,
      mapId: 0,
      partitioner: new HashPartitioner(2),
      sortKeys: true,
      dir: tmp.dir,
      memory,
    });
    expect(memory.used).toBe(0);
    expect(out.metrics.spillCount).toBeGreaterThan(0);
    expect(out.metrics.spillBytes).toBeGreaterThan(0);
    expect(existsSync(out.indexPath)).toBe(true);
  });

  it('rejects keys without value semantics', async () => {
    await expect(
      writeShuffleOutput(batchesOf([[{ id: 1 }, 1] as Rec], 1), {
        shuffleId: 0,
        mapId: 0,
        partitioner: new HashPartitioner(2),
        dir: tmp.dir,
        memory: new MemoryBudget(UNLIMITED),
      }),
    ).rejects.toThrow(/plain object cannot be used as a key/);
    expect(listDir(tmp.dir)).toEqual([]);
  });
});
