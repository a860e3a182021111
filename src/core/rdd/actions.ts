import type { ShippedFunction } from '../closure/shipped-function.js';
import { FileOutputCommitter } from '../io/output-committer.js';
import { compareKeys, keyToken } from '../keys.js';
import { SeededRandom } from '../util/random.js';
import type { RDD } from './rdd.js';
import type { ResultOp } from './spec.js';
import type { SpecContext } from './spec-context.js';

/**
 * Actions: each runs a job whose tasks compute a per-partition result
 * (executor/result-ops.ts) and combines those results here, on the driver.
 */

function run<R>(rdd: RDD<unknown>, callSite: string, op: (ctx: SpecContext) => ResultOp, partitions?: number[]): Promise<R[]> {
  return rdd.context.runJob<R>(rdd, op, { callSite, ...(partitions ? { partitions } : {}) });
}

export class EmptyCollectionError extends Error {
  constructor(action: string) {
    super(`${action} on an empty RDD: there is no element to return`);
    this.name = 'EmptyCollectionError';
  }
}

export async function collect<T>(rdd: RDD<T>): Promise<T[]> {
  const parts = await run<T[]>(rdd as RDD<unknown>, 'collect', () => ({ op: 'collect' }));
  return parts.flat(1) as T[];
}

export async function count(rdd: RDD<unknown>): Promise<number> {
  const parts = await run<number>(rdd, 'count', () => ({ op: 'count' }));
  return parts.reduce((a, b) => a + b, 0);
}

export async function reduce<T>(rdd: RDD<T>, f: ShippedFunction<any>): Promise<T> {
  const parts = await run<{ value: T } | null>(rdd as RDD<unknown>, 'reduce', (ctx) => ({ op: 'reduce', fn: ctx.fn(f) }));
  let has = false;
  let acc: T | undefined;
  for (const p of parts) {
    if (!p) continue;
    acc = has ? (f.call(acc, p.value) as T) : p.value;
    has = true;
  }
  if (!has) throw new EmptyCollectionError('reduce');
  return acc as T;
}

export async function fold<T>(rdd: RDD<T>, zero: T, f: ShippedFunction<any>): Promise<T> {
  const parts = await run<T>(rdd as RDD<unknown>, 'fold', (ctx) => ({ op: 'fold', zero, fn: ctx.fn(f) }));
  let acc = structuredClone(zero);
  for (const p of parts) acc = f.call(acc, p) as T;
  return acc;
}

export async function aggregate<T, U>(rdd: RDD<T>, zero: U, seq: ShippedFunction<any>, comb: ShippedFunction<any>): Promise<U> {
  const parts = await run<U>(rdd as RDD<unknown>, 'aggregate', (ctx) => ({ op: 'aggregate', zero, seq: ctx.fn(seq), comb: ctx.fn(comb) }));
  let acc = structuredClone(zero);
  for (const p of parts) acc = comb.call(acc, p) as U;
  return acc;
}

/**
 * Spark's take: scan one partition, then grow the number of partitions tried
 * (up to 4x per round) from how many records the scanned ones held.
 */
export async function take<T>(rdd: RDD<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n <= 0) return out;
  const total = await rdd.getNumPartitions();
  let scanned = 0;
  while (out.length < n && scanned < total) {
    let tryCount = 1;
    if (scanned > 0) {
      tryCount = out.length === 0 ? scanned * 4 : Math.min(Math.max(Math.ceil((1.5 * n * scanned) / out.length) - scanned, 1), scanned * 4);
    }
    const partitions = [];
    for (let p = scanned; p < Math.min(scanned + tryCount, total); p++) partitions.push(p);
    const left = n - out.length;
    const parts = await run<T[]>(rdd as RDD<unknown>, 'take', () => ({ op: 'take', n: left }), partitions);
    for (const part of parts) for (const x of part) if (out.length < n) out.push(x);
    scanned += partitions.length;
  }
  return out;
}

export async function first<T>(rdd: RDD<T>): Promise<T> {
  const xs = await take(rdd, 1);
  if (xs.length === 0) throw new EmptyCollectionError('first');
  return xs[0] as T;
}

export async function takeOrdered<T>(rdd: RDD<T>, n: number, cmp: ShippedFunction<any> | undefined, descending: boolean): Promise<T[]> {
  if (n <= 0) return [];
  const parts = await run<T[]>(rdd as RDD<unknown>, descending ? 'top' : 'takeOrdered', (ctx) => ({ op: 'takeOrdered', n, descending, ...(cmp ? { cmp: ctx.fn(cmp) } : {}) }));
  const base = cmp ? (a: T, b: T) => cmp.call(a, b) as number : compareKeys;
  const order = descending ? (a: T, b: T) => base(b, a) : base;
  return parts.flat(1).sort(order).slice(0, n) as T[];
}

export async function countBy(rdd: RDD<unknown>, op: 'countByValue' | 'countByKey'): Promise<Map<unknown, number>> {
  const parts = await run<[unknown, number][]>(rdd, op, () => ({ op }));
  const merged = new Map<unknown, [unknown, number]>();
  for (const part of parts) {
    for (const [k, c] of part) {
      const t = keyToken(k);
      const cur = merged.get(t);
      if (cur) cur[1] += c;
      else merged.set(t, [k, c]);
    }
  }
  return new Map([...merged.values()]);
}

export async function lookup<K, V>(rdd: RDD<[K, V]>, key: K): Promise<V[]> {
  const { partitioner } = await rdd.resolve();
  const partitions = partitioner ? [partitioner.getPartition(key)] : undefined;
  const parts = await run<V[]>(rdd as RDD<unknown>, 'lookup', () => ({ op: 'lookup', key }), partitions);
  return parts.flat(1) as V[];
}

export async function foreach(rdd: RDD<unknown>, f: ShippedFunction<any>, op: 'foreach' | 'foreachPartition'): Promise<void> {
  await run<null>(rdd, op, (ctx) => ({ op, fn: ctx.fn(f) }));
}

/** Spark's takeSample: sample a bit more than needed (retrying if short), shuffle, cut. */
export async function takeSample<T>(rdd: RDD<T>, withReplacement: boolean, num: number, seed: number): Promise<T[]> {
  if (num < 0) throw new RangeError(`takeSample: num must be >= 0, got ${num}`);
  if (num === 0) return [];
  const total = await count(rdd as RDD<unknown>);
  if (total === 0) return [];
  const rng = new SeededRandom(seed);
  const shuffle = (xs: T[]): T[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  if (!withReplacement && num >= total) return shuffle(await collect(rdd));
  const fraction = fractionForSampleSize(num, total, withReplacement);
  let samples = await collect(rdd.sample(withReplacement, fraction, rng.nextInt(2 ** 31)));
  for (let round = 0; samples.length < num && round < 100; round++) {
    samples = await collect(rdd.sample(withReplacement, fraction, rng.nextInt(2 ** 31)));
  }
  return shuffle(samples).slice(0, num);
}

/** Spark's SamplingUtils.computeFractionForSampleSize: high enough that a sample is short with probability < 1e-4. */
function fractionForSampleSize(num: number, total: number, withReplacement: boolean): number {
  if (withReplacement) {
    const numStDev = num < 12 ? 9 : 5;
    return Math.max(num + numStDev * Math.sqrt(num), 1e-10) / total;
  }
  const fraction = num / total;
  const delta = 1e-4;
  const gamma = -Math.log(delta) / total;
  return Math.min(1, Math.max(1e-10, fraction + gamma + Math.sqrt(gamma * gamma + 2 * gamma * fraction)));
}

export async function save(rdd: RDD<unknown>, path: string, op: 'saveText' | 'saveObject'): Promise<void> {
  const jobId = `${rdd.id}_${rdd.context.nextSeed()}`;
  const committer = new FileOutputCommitter(rdd.context.fileSystem(path), path, jobId);
  await committer.setupJob();
  try {
    await run<null>(rdd, op === 'saveText' ? 'saveAsTextFile' : 'saveAsObjectFile', () => ({ op, outputDir: path, jobId }));
    await committer.commitJob();
  } catch (e) {
    await committer.abortJob().catch(() => undefined);
    throw e;
  }
}
