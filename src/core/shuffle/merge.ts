/**
 * K-way merge of sorted runs of `[key, value]` records with a binary heap, optionally
 * folding adjacent records with equal keys into one (aggregation).
 *
 * Each run is a stream of batches sorted by the same comparator. The heap holds one
 * cursor per run, ordered by the cursor's current key (ties: lower run index first, so
 * the merge is stable across runs). Awaiting happens only when a cursor exhausts its
 * batch, never per record.
 */
import { BATCH_SIZE } from '../batch.js';
import { compareKeys } from '../keys.js';
import { recordsPerFrame } from './run-file.js';

export type Rec = [unknown, unknown];
export type KeyComparator = (a: unknown, b: unknown) => number;

export const ascendingKeys: KeyComparator = compareKeys;
export const descendingKeys: KeyComparator = (a, b) => compareKeys(b, a);

/** Output records after which a merge estimates their size to cap its batch. */
const SIZE_SAMPLE_AT = 32;

/** Folds the values of adjacent equal keys: `first` starts a group, `add` extends it. */
export interface Fold {
  first(v: unknown): unknown;
  add(acc: unknown, v: unknown): unknown;
}

class Cursor {
  batch: unknown[] = [];
  pos = 0;
  constructor(
    readonly it: AsyncIterator<unknown[]>,
    readonly order: number,
  ) {}

  /** Loads the next non-empty batch; false when the run is exhausted. */
  async advance(): Promise<boolean> {
    for (;;) {
      const r = await this.it.next();
      if (r.done === true) return false;
      if (r.value.length > 0) {
        this.batch = r.value;
        this.pos = 0;
        return true;
      }
    }
  }

  key(): unknown {
    return (this.batch[this.pos] as Rec)[0];
  }
}

/** A sorted in-memory array as a run (one batch, no copy). */
export async function* arrayRun(records: readonly Rec[]): AsyncGenerator<unknown[]> {
  if (records.length > 0) yield records as unknown as unknown[];
}

/** Merges sorted runs into one sorted stream of batches, folding equal keys if `fold`. */
export async function* mergeSortedRuns(
  runs: AsyncIterable<unknown[]>[],
  cmp: KeyComparator,
  fold?: Fold,
): AsyncGenerator<Rec[]> {
  const all: Cursor[] = runs.map((r, i) => new Cursor(r[Symbol.asyncIterator](), i));
  const heap: Cursor[] = [];
  const less = (a: Cursor, b: Cursor): boolean => {
    const c = cmp(a.key(), b.key());
    return c < 0 || (c === 0 && a.order < b.order);
  };
  const siftDown = (i: number): void => {
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  };
  try {
    for (const c of all) if (await c.advance()) heap.push(c);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);

    let out: Rec[] = [];
    // Records per output batch: BATCH_SIZE, fewer once a sample of the batch says its records
    // are large (a group of 1 KiB values, say): a batch is held whole on the heap downstream.
    let limit = BATCH_SIZE;
    let sampled = false;
    let hasGroup = false;
    let groupKey: unknown;
    let groupAcc: unknown;
    while (heap.length > 0) {
      const top = heap[0]!;
      const rec = top.batch[top.pos++] as Rec;
      if (fold === undefined) {
        // A fresh literal: arrays from v8.deserialize are "holey", and v8.serialize writes
        // holey arrays in its sparse format (larger, and slower to write).
        out.push([rec[0], rec[1]]);
      } else if (hasGroup && cmp(groupKey, rec[0]) === 0) {
        groupAcc = fold.add(groupAcc, rec[1]);
      } else {
        if (hasGroup) out.push([groupKey, groupAcc]);
        hasGroup = true;
        groupKey = rec[0];
        groupAcc = fold.first(rec[1]);
      }
      if (top.pos >= top.batch.length && !(await top.advance())) {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(0);
        }
      } else if (heap.length > 1) {
        siftDown(0);
      }
      if (!sampled && out.length >= SIZE_SAMPLE_AT) {
        sampled = true;
        limit = recordsPerFrame(out);
      }
      if (out.length >= limit) {
        yield out;
        out = [];
        limit = BATCH_SIZE;
        sampled = false;
      }
    }
    if (hasGroup) out.push([groupKey, groupAcc]);
    if (out.length > 0) yield out;
  } finally {
    // Early exit or error: let every run release its file handle.
    await Promise.all(all.map((c) => c.it.return?.()).filter((p) => p !== undefined));
  }
}
