/**
 * In-memory shuffle buffers with memory accounting. Both sides of the shuffle use them:
 * the map side with the job's partitioner, the reduce side with a single partition.
 *
 * `insert` is synchronous and stops early when the buffer should spill; the caller
 * then drains the buffer (sorted per partition) into a spill run and carries on.
 */
import { keyToken } from '../keys.js';
import type { Fold, KeyComparator, Rec } from './merge.js';
import { estimateSize, MemoryReservation, SizeSampler, type MemoryBudget } from './memory.js';

/** A buffer smaller than this never spills: a spill per handful of records helps no one. */
export const MIN_RECORDS_TO_SPILL = 128;
/** Array slot holding a record reference. */
const SLOT_BYTES = 8;
/** Map entry + entry object (+ token string for composite keys, counted separately). */
const ENTRY_OVERHEAD_BYTES = 24 + 48;

export interface KeyPartitioner {
  readonly numPartitions: number;
  getPartition(key: unknown): number;
}

/** The reduce side's buffers hold one partition. */
export const SINGLE_PARTITION: KeyPartitioner = { numPartitions: 1, getPartition: () => 0 };

export interface ShuffleBuffer {
  /** Records (or distinct keys) held. */
  readonly size: number;
  /**
   * Inserts `batch[start..]`. Returns the index after the last record taken; a value
   * below `batch.length` means the memory budget refused to grow: spill, then continue.
   */
  insert(batch: readonly unknown[], start: number): number;
  /**
   * Empties the buffer and releases its memory. Returns the records per partition as
   * `[key, value]` tuples, each partition sorted by `cmp` when given (stable), else in
   * arrival order.
   */
  drain(cmp?: KeyComparator): Rec[][];
  /** Releases the memory without returning the records (done or failed). */
  dispose(): void;
}

function sortRecords(records: Rec[], cmp: KeyComparator): void {
  records.sort((a, b) => cmp(a[0], b[0]));
}

/** Records as they come, bucketed by partition (no combining). */
export class RecordBuffer implements ShuffleBuffer {
  private buckets: Rec[][];
  private count = 0;
  private readonly sampler = new SizeSampler();
  private readonly reservation: MemoryReservation;

  constructor(
    private readonly partitioner: KeyPartitioner,
    memory: MemoryBudget,
  ) {
    this.reservation = new MemoryReservation(memory);
    this.buckets = emptyBuckets(partitioner.numPartitions);
  }

  get size(): number {
    return this.count;
  }

  insert(batch: readonly unknown[], start: number): number {
    const buckets = this.buckets;
    const partitioner = this.partitioner;
    const sampler = this.sampler;
    const reservation = this.reservation;
    const single = partitioner.numPartitions === 1;
    for (let i = start; i < batch.length; i++) {
      const rec = batch[i] as Rec;
      buckets[single ? 0 : partitioner.getPartition(rec[0])]!.push(rec);
      this.count++;
      sampler.observe(rec);
      reservation.estimated += sampler.average + SLOT_BYTES;
      if (
        reservation.estimated > reservation.acquired &&
        !reservation.reserve() &&
        this.count >= MIN_RECORDS_TO_SPILL
      ) {
        return i + 1;
      }
    }
    return batch.length;
  }

  drain(cmp?: KeyComparator): Rec[][] {
    const out = this.buckets;
    this.buckets = emptyBuckets(this.partitioner.numPartitions);
    this.count = 0;
    this.reservation.releaseAll();
    if (cmp !== undefined) for (const b of out) sortRecords(b, cmp);
    return out;
  }

  dispose(): void {
    this.buckets = emptyBuckets(this.partitioner.numPartitions);
    this.count = 0;
    this.reservation.releaseAll();
  }
}

class Entry {
  constructor(
    readonly key: unknown,
    public acc: unknown,
    readonly partition: number,
  ) {}
}

/**
 * Combines values of equal keys as they arrive: one entry per distinct key, in a Map
 * keyed by `keyToken`. The partition of a key is computed once, when the key first
 * appears. Memory: each new key counts its estimated key and accumulator size; growth
 * of accumulators on `add` is sampled (size before and after) and extrapolated, so a
 * sum costs nothing and a growing list costs about one element per value.
 */
export class CombiningBuffer implements ShuffleBuffer {
  private map = new Map<unknown, Entry>();
  private readonly reservation: MemoryReservation;
  private merges = 0;
  private growthSamples = 0;
  private growthBytes = 0;
  private growthPerMerge = 0;

  constructor(
    private readonly partitioner: KeyPartitioner,
    private readonly fold: Fold,
    memory: MemoryBudget,
  ) {
    this.reservation = new MemoryReservation(memory);
  }

  get size(): number {
    return this.map.size;
  }

  insert(batch: readonly unknown[], start: number): number {
    const map = this.map;
    const fold = this.fold;
    const reservation = this.reservation;
    const partitioner = this.partitioner;
    for (let i = start; i < batch.length; i++) {
      const rec = batch[i] as Rec;
      const key = rec[0];
      const token = keyToken(key);
      const entry = map.get(token);
      if (entry !== undefined) {
        const m = this.merges++;
        if (m < 32 || (m & 31) === 0) {
          const before = estimateSize(entry.acc);
          entry.acc = fold.add(entry.acc, rec[1]);
          this.growthBytes += Math.max(0, estimateSize(entry.acc) - before);
          this.growthSamples++;
          this.growthPerMerge = this.growthBytes / this.growthSamples;
        } else {
          entry.acc = fold.add(entry.acc, rec[1]);
        }
        reservation.estimated += this.growthPerMerge;
      } else {
        const acc = fold.first(rec[1]);
        map.set(token, new Entry(key, acc, partitioner.getPartition(key)));
        reservation.estimated +=
          ENTRY_OVERHEAD_BYTES +
          estimateSize(key) +
          estimateSize(acc) +
          (typeof token === 'string' && token !== key ? estimateSize(token) : 0);
      }
      if (
        reservation.estimated > reservation.acquired &&
        !reservation.reserve() &&
        map.size >= MIN_RECORDS_TO_SPILL
      ) {
        return i + 1;
      }
    }
    return batch.length;
  }

  drain(cmp?: KeyComparator): Rec[][] {
    const out = emptyBuckets(this.partitioner.numPartitions);
    for (const e of this.map.values()) out[e.partition]!.push([e.key, e.acc]);
    this.dispose();
    if (cmp !== undefined) for (const b of out) sortRecords(b, cmp);
    return out;
  }

  dispose(): void {
    this.map = new Map();
    this.reservation.releaseAll();
  }
}

function emptyBuckets(n: number): Rec[][] {
  const b: Rec[][] = new Array<Rec[]>(n);
  for (let i = 0; i < n; i++) b[i] = [];
  return b;
}
