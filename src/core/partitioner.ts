/**
 * Partitioners decide which reduce partition a key goes to. Both kinds are plain data
 * (`toSpec`) so that a map task rebuilds exactly the driver's layout.
 */
import { compareKeys, keyEquals, keyHash } from './keys.js';

export interface Partitioner {
  readonly numPartitions: number;
  getPartition(key: unknown): number;
  /** Same kind and same layout: data partitioned by one is partitioned by the other. */
  equals(other: Partitioner): boolean;
  /** Plain data that travels with a task; `partitionerFromSpec` rebuilds it. */
  toSpec(): PartitionerSpec;
}

export type PartitionerSpec =
  { kind: 'hash'; numPartitions: number } | { kind: 'range'; bounds: unknown[]; ascending: boolean };

function checkPartitionCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Number of partitions must be a positive integer, got ${String(n)}`);
  }
}

/** Spark's HashPartitioner: `keyHash(key) mod numPartitions` (keyHash is never negative). */
export class HashPartitioner implements Partitioner {
  readonly numPartitions: number;

  constructor(numPartitions: number) {
    checkPartitionCount(numPartitions);
    this.numPartitions = numPartitions;
  }

  getPartition(key: unknown): number {
    return keyHash(key) % this.numPartitions;
  }

  equals(other: Partitioner): boolean {
    return other instanceof HashPartitioner && other.numPartitions === this.numPartitions;
  }

  toSpec(): PartitionerSpec {
    return { kind: 'hash', numPartitions: this.numPartitions };
  }
}

/**
 * Spark's RangePartitioner: `bounds` (ascending, `numPartitions - 1` of them) split the
 * key space; partition i (ascending) holds keys in (bounds[i-1], bounds[i]]. Descending
 * order uses the same bounds and numbers the partitions from the other end, so
 * partition 0 holds the largest keys.
 */
export class RangePartitioner implements Partitioner {
  readonly numPartitions: number;
  readonly bounds: readonly unknown[];
  readonly ascending: boolean;

  constructor(bounds: unknown[], ascending: boolean) {
    for (let i = 1; i < bounds.length; i++) {
      if (compareKeys(bounds[i - 1], bounds[i]) > 0) {
        throw new RangeError(
          `Range partition bounds must be ascending; bound ${i} is smaller than bound ${i - 1}`,
        );
      }
    }
    this.bounds = bounds.slice();
    this.ascending = ascending;
    this.numPartitions = bounds.length + 1;
  }

  getPartition(key: unknown): number {
    // First bound >= key (binary search), i.e. the number of bounds strictly below key.
    const b = this.bounds;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(b[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return this.ascending ? lo : b.length - lo;
  }

  equals(other: Partitioner): boolean {
    if (!(other instanceof RangePartitioner)) return false;
    if (other.ascending !== this.ascending || other.bounds.length !== this.bounds.length) return false;
    for (let i = 0; i < this.bounds.length; i++)
      if (!keyEquals(other.bounds[i], this.bounds[i])) return false;
    return true;
  }

  toSpec(): PartitionerSpec {
    return { kind: 'range', bounds: this.bounds.slice(), ascending: this.ascending };
  }
}

export function partitionerFromSpec(spec: PartitionerSpec): Partitioner {
  switch (spec.kind) {
    case 'hash':
      return new HashPartitioner(spec.numPartitions);
    case 'range':
      return new RangePartitioner(spec.bounds, spec.ascending);
  }
}

/**
 * How many keys to sample from each input partition to build `numPartitions` ranges over
 * `numInputPartitions` partitions: Spark's rule, about 20 samples per output partition
 * (at most 1e6 in all), tripled because input partitions vary in size.
 */
export function rangeSampleSizePerPartition(numPartitions: number, numInputPartitions: number): number {
  const total = Math.min(20 * numPartitions, 1e6);
  return Math.ceil((3 * total) / Math.max(1, numInputPartitions));
}

/**
 * Picks `numPartitions - 1` bounds from weighted samples, as Spark's RangePartitioner
 * does: each input partition contributes its sampled keys, each standing for `weight`
 * records (its partition's record count / its sample size). Sorting all candidates and
 * cutting at equal steps of cumulative weight gives ranges holding about the same number
 * of records even when input partitions differ in size. Duplicate keys never give two
 * equal bounds, so fewer bounds come back when there are few distinct keys.
 */
export function computeRangeBounds(
  samples: { keys: unknown[]; weight: number }[],
  numPartitions: number,
): unknown[] {
  checkPartitionCount(numPartitions);
  const candidates: { key: unknown; weight: number }[] = [];
  for (const s of samples) {
    if (!(s.weight >= 0))
      throw new RangeError(`Sample weight must be a non-negative number, got ${String(s.weight)}`);
    for (const key of s.keys) candidates.push({ key, weight: s.weight });
  }
  if (numPartitions === 1 || candidates.length === 0) return [];
  candidates.sort((a, b) => compareKeys(a.key, b.key));

  let totalWeight = 0;
  for (const c of candidates) totalWeight += c.weight;
  const step = totalWeight / numPartitions;
  const bounds: unknown[] = [];
  let cumulative = 0;
  let target = step;
  let previous: { key: unknown } | undefined;
  for (const c of candidates) {
    if (bounds.length >= numPartitions - 1) break;
    cumulative += c.weight;
    if (cumulative >= target && step > 0) {
      // Never repeat a bound: equal keys must all go to one partition.
      if (previous === undefined || compareKeys(c.key, previous.key) > 0) {
        bounds.push(c.key);
        previous = c;
        target += step;
      }
    }
  }
  return bounds;
}
