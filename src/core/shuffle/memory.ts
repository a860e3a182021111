/**
 * Memory accounting for shuffle buffers: a byte budget that buffers acquire from before
 * they grow, and cheap size estimates of records.
 *
 * Estimates, not measurements: V8 exposes no per-object size, and walking every record
 * would cost more than the shuffle itself. `estimateSize` models V8's layout on 64-bit
 * (8-byte slots, small headers) and samples large collections; buffers estimate only a
 * sample of their records and extrapolate (see `SizeSampler`), like Spark's SizeTracker.
 * See docs/internals/shuffle.md for the accuracy and why it is enough.
 */

/** Bytes a task (or an executor's tasks together) may hold in shuffle buffers. */
export class MemoryBudget {
  readonly limit: number;
  private usedBytes = 0;

  constructor(limitBytes: number) {
    if (!(limitBytes >= 0) || !Number.isFinite(limitBytes)) {
      throw new RangeError(`Memory budget must be a non-negative number of bytes, got ${String(limitBytes)}`);
    }
    this.limit = limitBytes;
  }

  get used(): number {
    return this.usedBytes;
  }

  /** Takes `bytes` if they fit under the limit (all or nothing). */
  tryAcquire(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.usedBytes + bytes > this.limit) return false;
    this.usedBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    if (bytes <= 0) return;
    this.usedBytes = Math.max(0, this.usedBytes - bytes);
  }
}

// Approximate V8 sizes on 64-bit (without pointer compression, as in Node builds).
const SLOT = 8;
const STRING_HEADER = 24;
const HEAP_NUMBER = 16;
const ARRAY_HEADER = 32 + 16; // JSArray + its FixedArray header
const OBJECT_HEADER = 56;
const DATE_SIZE = 48;
const BIGINT_HEADER = 16;
const COLLECTION_HEADER = 80;
const COLLECTION_ENTRY = 24; // hash table slots per Map/Set entry
const TYPED_ARRAY_HEADER = 64;
/** Collections larger than this are estimated from evenly spaced samples. */
const SAMPLE_ELEMENTS = 16;
/** Deeper structure is counted as a fixed guess; also stops cycles. */
const MAX_DEPTH = 6;
const DEEP_GUESS = 64;

/**
 * Cheap, approximate heap bytes of a value. Strings count one byte per character (V8
 * keeps Latin-1 strings one byte wide), numbers a heap number, arrays/objects/Maps/Sets
 * their slots plus up to 16 sampled elements scaled to their length, typed arrays and
 * Buffers their byte length. Cost is bounded by 16^depth elements, not by size.
 */
export function estimateSize(value: unknown): number {
  return sizeOf(value, 0);
}

function sizeOf(v: unknown, depth: number): number {
  switch (typeof v) {
    case 'string':
      return STRING_HEADER + v.length;
    case 'number':
      return HEAP_NUMBER;
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return SLOT;
    case 'bigint':
      return BIGINT_HEADER + SLOT * Math.ceil((v < 0n ? -v : v).toString(16).length / 16);
    case 'function':
      return DEEP_GUESS;
    case 'object':
      if (v === null) return SLOT;
      if (depth >= MAX_DEPTH) return DEEP_GUESS;
      return sizeOfObject(v, depth + 1);
  }
  return SLOT;
}

function sizeOfObject(v: object, depth: number): number {
  if (Array.isArray(v)) return ARRAY_HEADER + SLOT * v.length + sampledSum(v, v.length, depth);
  if (ArrayBuffer.isView(v)) return TYPED_ARRAY_HEADER + v.byteLength;
  if (v instanceof ArrayBuffer) return TYPED_ARRAY_HEADER + v.byteLength;
  if (v instanceof Date) return DATE_SIZE;
  if (v instanceof Map) {
    let sum = 0;
    let n = 0;
    for (const [k, val] of v) {
      if (n === SAMPLE_ELEMENTS) break;
      sum += sizeOf(k, depth) + sizeOf(val, depth);
      n++;
    }
    return COLLECTION_HEADER + v.size * (COLLECTION_ENTRY + 2 * SLOT) + (n === 0 ? 0 : (sum / n) * v.size);
  }
  if (v instanceof Set) {
    let sum = 0;
    let n = 0;
    for (const k of v) {
      if (n === SAMPLE_ELEMENTS) break;
      sum += sizeOf(k, depth);
      n++;
    }
    return COLLECTION_HEADER + v.size * (COLLECTION_ENTRY + SLOT) + (n === 0 ? 0 : (sum / n) * v.size);
  }
  // Plain object or class instance: own enumerable properties.
  let sum = 0;
  let n = 0;
  for (const key in v) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
    if (n < SAMPLE_ELEMENTS) sum += sizeOf((v as Record<string, unknown>)[key], depth);
    n++;
  }
  const sampled = Math.min(n, SAMPLE_ELEMENTS);
  return OBJECT_HEADER + n * SLOT * 2 + (sampled === 0 ? 0 : (sum / sampled) * n);
}

/** Sum of element sizes of an array, sampling evenly spaced elements when it is long. */
function sampledSum(a: readonly unknown[], length: number, depth: number): number {
  if (length <= SAMPLE_ELEMENTS) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += sizeOf(a[i], depth);
    return sum;
  }
  const stride = length / SAMPLE_ELEMENTS;
  let sum = 0;
  for (let s = 0; s < SAMPLE_ELEMENTS; s++) sum += sizeOf(a[Math.floor(s * stride)], depth);
  return (sum / SAMPLE_ELEMENTS) * length;
}

/**
 * Running average of a stream of items' sizes from a sample: every item of the first 64,
 * then one in 16. Unbiased for streams whose item sizes do not drift systematically with
 * position; the cost per unsampled item is one counter increment.
 */
export class SizeSampler {
  private seen = 0;
  private sampled = 0;
  private sampledBytes = 0;
  /** Current average (bytes per item); 0 before the first sample. */
  average = 0;

  /** Counts one item; estimates it if it falls in the sample. */
  observe(item: unknown): void {
    const i = this.seen++;
    if (i < 64 || (i & 15) === 0) {
      this.sampledBytes += estimateSize(item);
      this.sampled++;
      this.average = this.sampledBytes / this.sampled;
    }
  }
}

/**
 * A buffer's claim on a `MemoryBudget`. The buffer adds to `estimated` as it grows and
 * calls `reserve()` when `estimated > acquired`; reserve asks the budget for twice the
 * current estimate (so that asking is rare), then for just what is missing, and reports
 * false when the budget refuses both: time to spill.
 */
export class MemoryReservation {
  estimated = 0;
  acquired = 0;

  constructor(private readonly budget: MemoryBudget) {}

  reserve(): boolean {
    const missing = this.estimated - this.acquired;
    if (missing <= 0) return true;
    const generous = Math.max(missing, this.estimated * 2 - this.acquired);
    if (this.budget.tryAcquire(generous)) {
      this.acquired += generous;
      return true;
    }
    if (this.budget.tryAcquire(missing)) {
      this.acquired += missing;
      return true;
    }
    return false;
  }

  /** Gives everything back (after a spill, or when the buffer is done). */
  releaseAll(): void {
    this.budget.release(this.acquired);
    this.acquired = 0;
    this.estimated = 0;
  }
}
