/**
 * Reduce side of the shuffle: the framed blocks of one reduce partition (one per map
 * output) -> a stream of [key, value] batches.
 *
 *   no aggregator, no order   blocks decoded and passed on, streaming (no buffering)
 *   inputsSorted + sortKeys   k-way merge of the blocks (each already sorted the same
 *                             way), folding equal keys if aggregating; streaming
 *   aggregator                combine in a Map keyed by keyToken; when memory refuses,
 *                             spill the combiners sorted by key; at the end k-way merge
 *                             the runs and the Map's sorted contents, folding equal keys
 *   sortKeys                  external sort: buffer, spill sorted runs, k-way merge
 *
 * Spill files are deleted when the stream ends, fails, or is closed early by the
 * consumer (`break` out of `for await`). A consumer that abandons the iterator without
 * closing it leaves the files until the process cleans `dir`.
 */
import { mkdir } from 'node:fs/promises';
import { BATCH_SIZE } from '../batch.js';
import { decodeFramedStream } from '../serde.js';
import type { Aggregator } from './aggregator.js';
import { CombiningBuffer, RecordBuffer, SINGLE_PARTITION, type ShuffleBuffer } from './buffers.js';
import { arrayRun, ascendingKeys, descendingKeys, mergeSortedRuns, type Fold, type Rec } from './merge.js';
import type { MemoryBudget } from './memory.js';
import { mergeFanIn, OpenRuns, SpillFiles } from './spill.js';

export interface ShuffleReadMetrics {
  recordsRead: number;
  spillCount: number;
  spillBytes: number;
}

export interface ShuffleReadSpec {
  aggregator?: Aggregator<unknown, unknown>;
  /** Values arriving are combiners already (the map side combined). */
  mapSideCombined: boolean;
  sortKeys?: 'ascending' | 'descending';
  /**
   * Every block is already sorted by key in the `sortKeys` direction (the map side was
   * written with the same `sortKeys`): merge the blocks instead of sorting.
   */
  inputsSorted?: boolean;
  dir: string;
  memory: MemoryBudget;
  /** Filled in as the stream is read. */
  metrics?: ShuffleReadMetrics;
}

export async function* readShuffleInput(
  blocks: AsyncIterable<Buffer>[],
  spec: ShuffleReadSpec,
): AsyncGenerator<[unknown, unknown][]> {
  const metrics = spec.metrics ?? { recordsRead: 0, spillCount: 0, spillBytes: 0 };
  const agg = spec.aggregator;
  const valueFold: Fold | undefined =
    agg === undefined
      ? undefined
      : spec.mapSideCombined
        ? { first: (c) => c, add: (a, b) => agg.mergeCombiners(a, b) }
        : { first: (v) => agg.createCombiner(v), add: (c, v) => agg.mergeValue(c, v) };

  if (agg === undefined && spec.sortKeys === undefined) {
    for (const block of blocks) {
      for await (const batch of decodeFramedStream(block)) {
        metrics.recordsRead += batch.length;
        yield batch as Rec[];
      }
    }
    return;
  }

  const order = spec.sortKeys === 'descending' ? descendingKeys : ascendingKeys;
  // Merging reads every block at once: a decoded frame of each (about FRAME_TARGET_BYTES) on
  // the heap, which only the budget's fan-in bounds. Past it the external sort below, which
  // reads the blocks one by one into a budgeted buffer, is the safer path.
  if (spec.inputsSorted === true && spec.sortKeys !== undefined && blocks.length <= mergeFanIn(spec.memory.limit)) {
    const counted = blocks.map((b) => countRecords(decodeFramedStream(b), metrics));
    yield* mergeSortedRuns(counted, order, valueFold);
    return;
  }

  // Aggregation without an order still spills runs sorted ascending, so equal keys meet.
  const buffer: ShuffleBuffer =
    valueFold === undefined
      ? new RecordBuffer(SINGLE_PARTITION, spec.memory)
      : new CombiningBuffer(SINGLE_PARTITION, valueFold, spec.memory);
  const spilledFold: Fold | undefined =
    agg === undefined ? undefined : { first: (c) => c, add: (a, b) => agg.mergeCombiners(a, b) };
  await mkdir(spec.dir, { recursive: true });
  const files = new SpillFiles(spec.dir, 'shuffle_read');
  try {
    for (const block of blocks) {
      for await (const batch of decodeFramedStream(block)) {
        metrics.recordsRead += batch.length;
        let i = 0;
        while (i < batch.length) {
          i = buffer.insert(batch, i);
          if (i < batch.length) {
            await files.spill(buffer.drain(order));
            metrics.spillCount = files.spillCount;
            metrics.spillBytes = files.spillBytes;
          }
        }
      }
    }

    if (files.runs.length === 0) {
      // Everything fit: no merge. Aggregation without an order keeps arrival order.
      const records = buffer.drain(spec.sortKeys !== undefined ? order : undefined)[0]!;
      for (let i = 0; i < records.length; i += BATCH_SIZE) yield records.slice(i, i + BATCH_SIZE);
      return;
    }

    const mode = { kind: 'merge' as const, cmp: order, fold: spilledFold };
    await files.compact(mode, mergeFanIn(spec.memory.limit));
    const inMemory = buffer.drain(order)[0]!;
    const open = await OpenRuns.open(files.runs);
    try {
      const sources = open.sources(0);
      if (inMemory.length > 0) sources.push(arrayRun(inMemory));
      yield* mergeSortedRuns(sources, order, spilledFold);
    } finally {
      await open.close();
    }
  } finally {
    buffer.dispose();
    await files.deleteAll();
  }
}

async function* countRecords(
  batches: AsyncIterable<unknown[]>,
  metrics: ShuffleReadMetrics,
): AsyncGenerator<unknown[]> {
  for await (const b of batches) {
    metrics.recordsRead += b.length;
    yield b;
  }
}
