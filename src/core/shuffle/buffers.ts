/**
 * In-memory shuffle buffers with memory accounting. Both sides of the shuffle use them:
 * the map side with the job's partitioner, the reduce side with a single partition.
 *
 * `insert` is synchronous and stops early when the buffer should spill; the caller
 * then drains the buffer (sorted per partition) into a spill run and carries on.
 */
import { keyToken } from '../keys.js';
import { frameBatch } from '../serde.js';
import { ascendingKeys, descendingKeys, type Fold, type KeyComparator, type Rec } from './merge.js';
import { estimateSize, MemoryReservation, SizeSampler, type MemoryBudget } from './memory.js';

/** A buffer smaller than this never spills: a spill per handful of records helps no one. */
export const MIN_RECORDS_TO_SPILL = 128;
/**
 * A record buffer spills at this many records even when memory would allow more. Sorting
 * runs of this size and merging them measured faster than sorting millions of records at
 * once (5 M records: 36 s CPU unspilled, 20-23 s in runs of 140-550 K): a large buffer of
 * live objects costs the garbage collector more than the merge costs to decode.
 */
export const MAX_BUFFERED_RECORDS = 500_000;
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

/**
 * Records as they come, bucketed by partition (no combining).
 *
 * Both record buffers copy each record into a fresh `[key, value]` literal: records that
 * came out of v8.deserialize (a previous shuffle, a cached block) are "holey" arrays, and
 * v8.serialize writes holey arrays in its sparse format, about 25 % larger and slower to
 * write. The copy is a short-lived two-slot allocation.
 */
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
      buckets[single ? 0 : partitioner.getPartition(rec[0])]!.push([rec[0], rec[1]]);
      this.count++;
      sampler.observe(rec);
      reservation.estimated += sampler.average + SLOT_BYTES;
      if (
        (reservation.estimated > reservation.acquired &&
          !reservation.reserve() &&
          this.count >= MIN_RECORDS_TO_SPILL) ||
        this.count >= MAX_BUFFERED_RECORDS
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

/** A partition's records are framed once this many are pending. */
const FRAME_TARGET_RECORDS = 1024;
/** All pending records are framed once this many are pending over all partitions. */
const MAX_PENDING_RECORDS = 32 * 1024;

/**
 * Records bucketed by partition and serialized (framed) almost at once, for shuffles that
 * need neither order nor combining. Holding records as objects until the end costs a
 * garbage collector copy of each (they survive young-generation collections and are
 * promoted) and old-generation marking over all of them; framed bytes cost neither, and
 * their size is exact. Records wait unserialized only until their partition has
 * FRAME_TARGET_RECORDS of them or MAX_PENDING_RECORDS wait in all, so frames stay large
 * enough to amortize a serialize call even with many partitions.
 */
export class SerializedRecordBuffer {
  private pending: Rec[][];
  private pendingCount = 0;
  private frames: Buffer[][];
  private frameBytes = 0;
  private frameRecords = 0;
  private readonly sampler = new SizeSampler();
  private readonly reservation: MemoryReservation;

  constructor(
    private readonly partitioner: KeyPartitioner,
    memory: MemoryBudget,
  ) {
    this.reservation = new MemoryReservation(memory);
    this.pending = emptyBuckets(partitioner.numPartitions);
    this.frames = emptyBuckets(partitioner.numPartitions);
  }

  /** Records held, framed or not. */
  get size(): number {
    return this.frameRecords + this.pendingCount;
  }

  /** As ShuffleBuffer.insert. */
  insert(batch: readonly unknown[], start: number): number {
    const pending = this.pending;
    const partitioner = this.partitioner;
    const sampler = this.sampler;
    const reservation = this.reservation;
    const single = partitioner.numPartitions === 1;
    for (let i = start; i < batch.length; i++) {
      const rec = batch[i] as Rec;
      const p = single ? 0 : partitioner.getPartition(rec[0]);
      const bucket = pending[p]!;
      bucket.push([rec[0], rec[1]]); // see RecordBuffer on why a fresh tuple
      this.pendingCount++;
      sampler.observe(rec);
      if (bucket.length >= FRAME_TARGET_RECORDS) this.frame(p);
      else if (this.pendingCount >= MAX_PENDING_RECORDS) this.frameAll();
      reservation.estimated = this.frameBytes + this.pendingCount * (sampler.average + SLOT_BYTES);
      if (
        reservation.estimated > reservation.acquired &&
        !reservation.reserve() &&
        this.size >= MIN_RECORDS_TO_SPILL
      ) {
        return i + 1;
      }
    }
    return batch.length;
  }

  /** Empties the buffer and releases its memory; returns each partition's frames. */
  drainFrames(): Buffer[][] {
    this.frameAll();
    const out = this.frames;
    this.dispose();
    return out;
  }

  dispose(): void {
    this.pending = emptyBuckets(this.partitioner.numPartitions);
    this.frames = emptyBuckets(this.partitioner.numPartitions);
    this.pendingCount = 0;
    this.frameBytes = 0;
    this.frameRecords = 0;
    this.reservation.releaseAll();
  }

  private frame(p: number): void {
    const recs = this.pending[p]!;
    if (recs.length === 0) return;
    const f = frameBatch(recs);
    this.frames[p]!.push(f);
    this.frameBytes += f.length;
    this.frameRecords += recs.length;
    this.pendingCount -= recs.length;
    this.pending[p] = [];
  }

  private frameAll(): void {
    for (let p = 0; p < this.pending.length; p++) this.frame(p);
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
  /** Records taken since the last drain: the spill minimum counts records, not keys, so
   * that a few keys with huge combiners (groupByKey on skewed keys) still spill. */
  private taken = 0;
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
      this.taken++;
      if (
        reservation.estimated > reservation.acquired &&
        !reservation.reserve() &&
        this.taken >= MIN_RECORDS_TO_SPILL
      ) {
        return i + 1;
      }
    }
    return batch.length;
  }

  drain(cmp?: KeyComparator): Rec[][] {
    const n = this.partitioner.numPartitions;
    const out = emptyBuckets<Rec>(n);
    const direction = cmp === ascendingKeys ? 1 : cmp === descendingKeys ? -1 : 0;
    if (direction !== 0) {
      // Keys here are distinct, so the order needs no stability: sort the bare keys with
      // the engine's native comparison when they are all strings (code-unit order, as
      // compareKeys) or all numbers without NaN, then look the entries up again. That is
      // about 1.5x as fast (measured, 300 K string keys) as sorting entries with a comparator.
      const keys = emptyBuckets<unknown>(n);
      let allStrings = true;
      let allNumbers = true;
      for (const e of this.map.values()) {
        const k = e.key;
        keys[e.partition]!.push(k);
        if (typeof k !== 'string') allStrings = false;
        if (typeof k !== 'number' || k !== k) allNumbers = false;
      }
      if (allStrings || allNumbers) {
        for (let p = 0; p < n; p++) {
          const sorted: ArrayLike<unknown> = allStrings
            ? (keys[p] as string[]).sort()
            : Float64Array.from(keys[p] as number[]).sort();
          const bucket = out[p]!;
          const len = sorted.length;
          for (let i = 0; i < len; i++) {
            const e = this.map.get(keyToken(sorted[direction > 0 ? i : len - 1 - i]))!;
            bucket.push([e.key, e.acc]);
          }
        }
        this.dispose();
        return out;
      }
    }
    for (const e of this.map.values()) out[e.partition]!.push([e.key, e.acc]);
    this.dispose();
    if (cmp !== undefined) for (const b of out) sortRecords(b, cmp);
    return out;
  }

  dispose(): void {
    this.map = new Map();
    this.taken = 0;
    this.reservation.releaseAll();
  }
}

function emptyBuckets<T>(n: number): T[][] {
  const b: T[][] = new Array<T[]>(n);
  for (let i = 0; i < n; i++) b[i] = [];
  return b;
}
