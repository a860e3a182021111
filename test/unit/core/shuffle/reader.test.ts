import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashPartitioner } from '../../../../src/core/partitioner.js';
import { frameBatch } from '../../../../src/core/serde.js';
import { MemoryBudget } from '../../../../src/core/shuffle/memory.js';
import { readLocalShuffleBlock } from '../../../../src/core/shuffle/local-block.js';
import { readShuffleInput, type ShuffleReadMetrics } from '../../../../src/core/shuffle/reader.js';
import { writeShuffleOutput, type MapOutput } from '../../../../src/core/shuffle/writer.js';
import type { Aggregator } from '../../../../src/core/shuffle/aggregator.js';
import {
  batchesOf,
  collect,
  lcg,
  listAggregator,
  listDir,
  makeTempDir,
  plainCompare,
  sumAggregator,
  type Rec,
} from './helpers.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.cleanup());

const UNLIMITED = 1 << 30;
const TINY = 8 * 1024;

/** Map tasks' inputs: `maps` lists of records with string keys. */
function mapInputs(maps: number, perMap: number, distinct: number, seed: number): Rec[][] {
  const rnd = lcg(seed);
  return Array.from({ length: maps }, () =>
    Array.from({ length: perMap }, (): Rec => [`k${rnd() % distinct}`, rnd() % 100]),
  );
}

/** A framed block made by hand from records, cut into chunks of `chunk` bytes. */
async function* block(records: Rec[], batch: number, chunk: number): AsyncGenerator<Buffer> {
  const frames: Buffer[] = [];
  for (let i = 0; i < records.length; i += batch) frames.push(frameBatch(records.slice(i, i + batch)));
  const all = Buffer.concat(frames);
  for (let i = 0; i < all.length; i += chunk) yield all.subarray(i, i + chunk);
}

async function writeMaps(
  inputs: Rec[][],
  n: number,
  opts: { aggregator?: Aggregator<unknown, unknown>; sortKeys?: true | 'descending'; budget: number },
): Promise<MapOutput[]> {
  const outs: MapOutput[] = [];
  for (let m = 0; m < inputs.length; m++) {
    outs.push(
      await writeShuffleOutput(batchesOf(inputs[m]!, 1000), {
        shuffleId: 0,
        mapId: m,
        partitioner: new HashPartitioner(n),
        ...(opts.aggregator ? { aggregator: opts.aggregator } : {}),
        ...(opts.sortKeys ? { sortKeys: opts.sortKeys } : {}),
        dir: tmp.dir,
        memory: new MemoryBudget(opts.budget),
      }),
    );
  }
  return outs;
}

function multiset(recs: readonly Rec[]): string[] {
  return recs.map((r) => JSON.stringify(r)).sort();
}

describe('readShuffleInput', () => {
  it('without aggregator or order passes every record of every block through', async () => {
    const a: Rec[] = Array.from({ length: 5000 }, (_, i): Rec => [i, `a${i}`]);
    const b: Rec[] = Array.from({ length: 300 }, (_, i): Rec => [`b${i}`, null]);
    const metrics: ShuffleReadMetrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
    const got = await collect(
      readShuffleInput([block(a, 1000, 4093), block([], 1, 1), block(b, 7, 100)], {
        mapSideCombined: false,
        dir: tmp.dir,
        memory: new MemoryBudget(TINY),
        metrics,
      }),
    );
    expect(got).toEqual([...a, ...b]);
    expect(metrics.recordsRead).toBe(5300);
  });

  for (const [label, budget] of [
    ['in memory', UNLIMITED],
    ['with forced spills', TINY],
  ] as const) {
    describe(label, () => {
      it('reduceByKey: sums over map outputs combined map-side', async () => {
        const inputs = mapInputs(3, 20_000, 4_000, 11);
        const outs = await writeMaps(inputs, 2, { aggregator: sumAggregator, budget });
        const expected = new Map<string, number>();
        for (const input of inputs)
          for (const [k, v] of input)
            expected.set(k as string, (expected.get(k as string) ?? 0) + (v as number));

        const all: Rec[] = [];
        for (let p = 0; p < 2; p++) {
          const metrics: ShuffleReadMetrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
          const got = await collect(
            readShuffleInput(
              outs.map((o) => readLocalShuffleBlock(o, p)),
              {
                aggregator: sumAggregator,
                mapSideCombined: true,
                dir: tmp.dir,
                memory: new MemoryBudget(budget),
                metrics,
              },
            ),
          );
          all.push(...got);
          if (budget === TINY) expect(metrics.spillCount).toBeGreaterThan(0);
          else expect(metrics.spillCount).toBe(0);
        }
        expect(multiset(all)).toEqual(multiset([...expected]));
      });

      it('groupByKey: lists of every value, no map-side combine', async () => {
        const inputs = mapInputs(2, 15_000, 1_500, 12);
        const outs = await writeMaps(inputs, 3, { budget });
        const expected = new Map<string, number[]>();
        for (const input of inputs) {
          for (const [k, v] of input) {
            const g = expected.get(k as string) ?? [];
            g.push(v as number);
            expected.set(k as string, g);
          }
        }
        const got: Rec[] = [];
        for (let p = 0; p < 3; p++) {
          got.push(
            ...(await collect(
              readShuffleInput(
                outs.map((o) => readLocalShuffleBlock(o, p)),
                {
                  aggregator: listAggregator,
                  mapSideCombined: false,
                  dir: tmp.dir,
                  memory: new MemoryBudget(budget),
                },
              ),
            )),
          );
        }
        const norm = (r: Rec): Rec => [r[0], (r[1] as number[]).slice().sort((x, y) => x - y)];
        expect(multiset(got.map(norm))).toEqual(multiset([...expected].map(norm)));
        expect(got.length).toBe(expected.size);
      });

      for (const direction of ['ascending', 'descending'] as const) {
        it(`sortByKey ${direction}: external sort of unsorted map outputs`, async () => {
          const inputs = mapInputs(3, 10_000, 100_000, 13);
          const outs = await writeMaps(inputs, 1, { budget });
          const metrics: ShuffleReadMetrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
          const got = await collect(
            readShuffleInput(
              outs.map((o) => readLocalShuffleBlock(o, 0)),
              {
                mapSideCombined: false,
                sortKeys: direction,
                dir: tmp.dir,
                memory: new MemoryBudget(budget),
                metrics,
              },
            ),
          );
          const sign = direction === 'ascending' ? 1 : -1;
          const expected = inputs.flat().sort((a, b) => sign * plainCompare(a[0], b[0]));
          // Keys in exactly the expected order; values as a multiset (ties may interleave).
          expect(got.map((r) => r[0])).toEqual(expected.map((r) => r[0]));
          expect(multiset(got)).toEqual(multiset(expected));
          if (budget === TINY) expect(metrics.spillCount).toBeGreaterThan(0);
        });

        it(`sortByKey ${direction}: merge of map outputs already sorted the same way`, async () => {
          const inputs = mapInputs(4, 5_000, 100_000, 14);
          const outs = await writeMaps(inputs, 2, {
            budget,
            sortKeys: direction === 'ascending' ? true : 'descending',
          });
          const sign = direction === 'ascending' ? 1 : -1;
          for (let p = 0; p < 2; p++) {
            const metrics: ShuffleReadMetrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
            const got = await collect(
              readShuffleInput(
                outs.map((o) => readLocalShuffleBlock(o, p)),
                {
                  mapSideCombined: false,
                  sortKeys: direction,
                  inputsSorted: true,
                  dir: tmp.dir,
                  memory: new MemoryBudget(budget),
                  metrics,
                },
              ),
            );
            // merging needs no buffer; a budget too small for a decoded frame per block
            // (fan-in 2 < 4 blocks) sorts externally instead
            if (budget === UNLIMITED) expect(metrics.spillCount).toBe(0);
            else expect(metrics.spillCount).toBeGreaterThan(0);
            const keys = got.map((r) => r[0]);
            const sorted = keys.slice().sort((a, b) => sign * plainCompare(a, b));
            expect(keys).toEqual(sorted);
            expect(metrics.recordsRead).toBe(got.length);
          }
        });
      }

      it('merges sorted, map-side combined outputs and folds them (inputsSorted + aggregator)', async () => {
        const inputs = mapInputs(3, 10_000, 2_000, 17);
        const outs = await writeMaps(inputs, 2, { aggregator: sumAggregator, sortKeys: true, budget });
        const sums = new Map<string, number>();
        for (const [k, v] of inputs.flat())
          sums.set(k as string, (sums.get(k as string) ?? 0) + (v as number));
        const got: Rec[] = [];
        for (let p = 0; p < 2; p++) {
          const part = await collect(
            readShuffleInput(
              outs.map((o) => readLocalShuffleBlock(o, p)),
              {
                aggregator: sumAggregator,
                mapSideCombined: true,
                sortKeys: 'ascending',
                inputsSorted: true,
                dir: tmp.dir,
                memory: new MemoryBudget(budget),
              },
            ),
          );
          const keys = part.map((r) => r[0]);
          expect(keys).toEqual(keys.slice().sort(plainCompare));
          got.push(...part);
        }
        expect(multiset(got)).toEqual(multiset([...sums]));
      });

      it('aggregates and sorts together (sorted reduceByKey output)', async () => {
        const inputs = mapInputs(2, 20_000, 3_000, 15);
        const outs = await writeMaps(inputs, 1, { aggregator: sumAggregator, budget });
        const got = await collect(
          readShuffleInput(
            outs.map((o) => readLocalShuffleBlock(o, 0)),
            {
              aggregator: sumAggregator,
              mapSideCombined: true,
              sortKeys: 'descending',
              dir: tmp.dir,
              memory: new MemoryBudget(budget),
            },
          ),
        );
        const sums = new Map<string, number>();
        for (const [k, v] of inputs.flat())
          sums.set(k as string, (sums.get(k as string) ?? 0) + (v as number));
        const expected = [...sums].sort((a, b) => plainCompare(b[0], a[0]));
        expect(got).toEqual(expected);
      });
    });
  }

  it('deletes its spill files when the consumer stops early, and when a block fails', async () => {
    const inputs = mapInputs(2, 20_000, 20_000, 16);
    const outs = await writeMaps(inputs, 1, { budget: UNLIMITED });
    const before = listDir(tmp.dir);
    const memory = new MemoryBudget(TINY);
    const metrics: ShuffleReadMetrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
    let seen = 0;
    for await (const b of readShuffleInput(
      outs.map((o) => readLocalShuffleBlock(o, 0)),
      { mapSideCombined: false, sortKeys: 'ascending', dir: tmp.dir, memory, metrics },
    )) {
      seen += b.length;
      if (seen > 100) break;
    }
    expect(metrics.spillCount).toBeGreaterThan(0);
    expect(listDir(tmp.dir)).toEqual(before);
    expect(memory.used).toBe(0);

    async function* failing(): AsyncGenerator<Buffer> {
      yield* readLocalShuffleBlock(outs[0]!, 0);
      throw new Error('fetch failed');
    }
    await expect(
      collect(
        readShuffleInput([failing()], {
          aggregator: listAggregator,
          mapSideCombined: false,
          dir: tmp.dir,
          memory: new MemoryBudget(TINY),
        }),
      ),
    ).rejects.toThrow('fetch failed');
    expect(listDir(tmp.dir)).toEqual(before);
  });

  it('with more sorted blocks than it merges at once, still returns them in order', async () => {
    const rnd = lcg(18);
    const blocks: Rec[][] = Array.from({ length: 70 }, () =>
      Array.from({ length: 50 }, (): Rec => [rnd() % 10_000, 'v']).sort((a, b) => plainCompare(a[0], b[0])),
    );
    const got = await collect(
      readShuffleInput(
        blocks.map((b) => block(b, 16, 333)),
        {
          mapSideCombined: false,
          sortKeys: 'ascending',
          inputsSorted: true,
          dir: tmp.dir,
          memory: new MemoryBudget(UNLIMITED),
        },
      ),
    );
    expect(got.map((r) => r[0])).toEqual(
      blocks
        .flat()
        .map((r) => r[0])
        .sort((a, b) => plainCompare(a, b)),
    );
  });

  it('readLocalShuffleBlock rejects a reduce id beyond the index', async () => {
    const outs = await writeMaps([[['a', 1]]], 2, { budget: UNLIMITED });
    const drain = async (): Promise<void> => {
      for await (const _chunk of readLocalShuffleBlock(outs[0]!, 2)) expect.unreachable();
    };
    await expect(drain()).rejects.toThrow(/no entry for reduce partition 2/);
  });
});
