import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeRangeBounds, HashPartitioner, RangePartitioner } from '../../../../src/core/partitioner.js';
import { MemoryBudget } from '../../../../src/core/shuffle/memory.js';
import { readLocalShuffleBlock } from '../../../../src/core/shuffle/local-block.js';
import { readShuffleInput, type ShuffleReadMetrics } from '../../../../src/core/shuffle/reader.js';
import { writeShuffleOutput, type MapOutput } from '../../../../src/core/shuffle/writer.js';
import { batchesOf, lcg, listAggregator, listDir, makeTempDir, type Rec } from './helpers.js';

// Data several times the memory limit: a 16 MiB budget per task, and 2 map tasks of
// 420,000 records with 20-character keys and 80-character values (84 MB of characters
// in all, before any object overhead).
const LIMIT = 16 * 1024 * 1024;
const PER_MAP = 420_000;
const MAPS = 2;
const TIMEOUT = 600_000;

function value(rnd: () => number): string {
  let s = '';
  while (s.length < 80) s += rnd().toString(36);
  return s.slice(0, 80);
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(() => tmp.cleanup());

describe('shuffles of data larger than memory', () => {
  it(
    'sortByKey: sorted spills on the map side, external sort on the reduce side',
    async () => {
      const rnd = lcg(21);
      // Unique keys (a running number at the end) so the expected order is total.
      const inputs: Rec[][] = Array.from({ length: MAPS }, (_, m) =>
        Array.from({ length: PER_MAP }, (_, i): Rec => {
          const k = (rnd() % 1_000_000).toString().padStart(7, '0') + `-${m}-${i}`.padEnd(13, '.');
          return [k, value(rnd)];
        }),
      );
      let chars = 0;
      for (const input of inputs)
        for (const [k, v] of input) chars += (k as string).length + (v as string).length;
      expect(chars).toBeGreaterThan(5 * LIMIT);

      // Range bounds from a sample, as sortByKey does.
      const sample = inputs.map((input) => ({
        keys: input.filter((_, i) => i % 100 === 0).map((r) => r[0]),
        weight: 100,
      }));
      const partitioner = new RangePartitioner(computeRangeBounds(sample, 2), true);
      const outs: MapOutput[] = [];
      for (let m = 0; m < MAPS; m++) {
        outs.push(
          await writeShuffleOutput(batchesOf(inputs[m]!, 4096), {
            shuffleId: 1,
            mapId: m,
            partitioner,
            sortKeys: true,
            dir: tmp.dir,
            memory: new MemoryBudget(LIMIT),
          }),
        );
        expect(outs[m]!.metrics.spillCount).toBeGreaterThan(0);
      }

      const got: Rec[] = [];
      for (let p = 0; p < 2; p++) {
        const metrics: ShuffleReadMetrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
        for await (const batch of readShuffleInput(
          outs.map((o) => readLocalShuffleBlock(o, p)),
          {
            mapSideCombined: false,
            sortKeys: 'ascending',
            dir: tmp.dir,
            memory: new MemoryBudget(LIMIT),
            metrics,
          },
        )) {
          for (const r of batch) got.push(r);
        }
        expect(metrics.spillCount).toBeGreaterThan(0);
      }
      const expected = inputs.flat().sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
      expect(got.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        if (got[i]![0] !== expected[i]![0] || got[i]![1] !== expected[i]![1]) {
          expect(got[i], `record ${i}`).toEqual(expected[i]);
        }
      }
      expect(listDir(tmp.dir)).toEqual(
        outs.flatMap((o) => [`shuffle_1_${o.mapId}_0.data`, `shuffle_1_${o.mapId}_0.index`]).sort(),
      );
    },
    TIMEOUT,
  );

  it(
    'groupByKey: plain map outputs, combining with spills on the reduce side',
    async () => {
      const rnd = lcg(22);
      const inputs: Rec[][] = Array.from({ length: MAPS }, () =>
        Array.from({ length: PER_MAP }, (): Rec => [
          `group-${(rnd() % 40_000).toString().padStart(8, '0')}xx`,
          value(rnd),
        ]),
      );
      const outs: MapOutput[] = [];
      for (let m = 0; m < MAPS; m++) {
        outs.push(
          await writeShuffleOutput(batchesOf(inputs[m]!, 4096), {
            shuffleId: 2,
            mapId: m,
            partitioner: new HashPartitioner(2),
            dir: tmp.dir,
            memory: new MemoryBudget(LIMIT),
          }),
        );
        expect(outs[m]!.metrics.spillCount).toBeGreaterThan(0);
      }

      // Expected groups by a plain loop: count and concatenated sorted values per key.
      const expected = new Map<string, string[]>();
      for (const input of inputs) {
        for (const [k, v] of input) {
          const g = expected.get(k as string);
          if (g === undefined) expected.set(k as string, [v as string]);
          else g.push(v as string);
        }
      }

      let groups = 0;
      let spills = 0;
      for (let p = 0; p < 2; p++) {
        const metrics: ShuffleReadMetrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
        for await (const batch of readShuffleInput(
          outs.map((o) => readLocalShuffleBlock(o, p)),
          {
            aggregator: listAggregator,
            mapSideCombined: false,
            dir: tmp.dir,
            memory: new MemoryBudget(LIMIT),
            metrics,
          },
        )) {
          for (const [k, vs] of batch) {
            groups++;
            const want = expected.get(k as string);
            expect(want, `unexpected key ${String(k)}`).toBeDefined();
            const have = (vs as string[]).slice().sort();
            const wantSorted = want!.slice().sort();
            if (have.join('|') !== wantSorted.join('|')) expect(have).toEqual(wantSorted);
            expected.delete(k as string); // a key must come exactly once
          }
        }
        spills += metrics.spillCount;
      }
      expect(spills).toBeGreaterThan(0);
      expect(expected.size).toBe(0);
      expect(groups).toBeGreaterThan(39_000);
      expect(listDir(tmp.dir).filter((f) => !f.startsWith('shuffle_1_'))).toEqual(
        outs.flatMap((o) => [`shuffle_2_${o.mapId}_0.data`, `shuffle_2_${o.mapId}_0.index`]).sort(),
      );
    },
    TIMEOUT,
  );
});
