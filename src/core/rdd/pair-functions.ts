import type { ShippedFunction } from '../closure/shipped-function.js';
import { HashPartitioner, RangePartitioner, computeRangeBounds, rangeSampleSizePerPartition, type Partitioner } from '../partitioner.js';
import { CoGroupedRDD, NarrowRDD, ShuffledRDD, type RDD } from './rdd.js';
import type { AggregatorSpec } from './spec.js';
import type { SpecContext } from './spec-context.js';

/**
 * The shuffle-based operations of RDDs (Spark's PairRDDFunctions and the
 * shuffle parts of RDD). Small helper functions below are shipped as source,
 * so they must not use anything outside their own parameters.
 */

/** combineByKey and friends, with their user functions. */
export type DriverAggregator =
  | { kind: 'reduce'; fn: ShippedFunction<any> }
  | { kind: 'fold'; zero: unknown; fn: ShippedFunction<any> }
  | { kind: 'aggregate'; zero: unknown; seq: ShippedFunction<any>; comb: ShippedFunction<any> }
  | { kind: 'combine'; create: ShippedFunction<any>; merge: ShippedFunction<any>; mergeCombiners: ShippedFunction<any> };

function aggregatorSpec(a: DriverAggregator): (ctx: SpecContext) => AggregatorSpec {
  return (ctx) => {
    switch (a.kind) {
      case 'reduce':
        return { kind: 'reduce', fn: ctx.fn(a.fn) };
      case 'fold':
        return { kind: 'fold', zero: a.zero, fn: ctx.fn(a.fn) };
      case 'aggregate':
        return { kind: 'aggregate', zero: a.zero, seq: ctx.fn(a.seq), comb: ctx.fn(a.comb) };
      case 'combine':
        return { kind: 'combine', create: ctx.fn(a.create), merge: ctx.fn(a.merge), mergeCombiners: ctx.fn(a.mergeCombiners) };
    }
  };
}

/**
 * Spark's default partitioner: an explicit partitioner or count wins; else
 * the largest partitioner among the parents; else spark.default.parallelism
 * when set; else the largest parent's partition count.
 */
export function partitionerFor(rdds: RDD<unknown>[], spec: number | Partitioner | undefined): () => Promise<Partitioner> {
  return async () => {
    if (spec !== undefined && typeof spec !== 'number') return spec;
    if (typeof spec === 'number') {
      if (!(spec >= 1)) throw new RangeError(`numPartitions must be >= 1, got ${spec}`);
      return new HashPartitioner(spec);
    }
    const resolved = await Promise.all(rdds.map((r) => r.resolve()));
    const withPartitioner = resolved.filter((r) => r.partitioner).sort((a, b) => b.partitioner!.numPartitions - a.partitioner!.numPartitions);
    if (withPartitioner[0]?.partitioner) return withPartitioner[0].partitioner;
    const configured = rdds[0]!.context.conf.get('spark.default.parallelism');
    if (configured !== undefined) return new HashPartitioner(Number(configured));
    return new HashPartitioner(Math.max(1, ...resolved.map((r) => r.partitions.length)));
  };
}

export function combineWith<K, V, C>(rdd: RDD<[K, V]>, agg: DriverAggregator, numPartitions?: number | Partitioner): RDD<[K, C]> {
  return new ShuffledRDD<K, V, C>(rdd, partitionerFor([rdd as RDD<unknown>], numPartitions), { aggregator: aggregatorSpec(agg), mapSideCombine: true }).setName(agg.kind + 'ByKey');
}

export function groupByKey<K, V>(rdd: RDD<[K, V]>, numPartitions?: number | Partitioner): RDD<[K, V[]]> {
  // no map-side combine: it would not shrink the data (Spark's reasoning)
  return new ShuffledRDD<K, V, V[]>(rdd, partitionerFor([rdd as RDD<unknown>], numPartitions), { aggregator: () => ({ kind: 'group' }), mapSideCombine: false }).setName('groupByKey');
}

export function partitionBy<K, V>(rdd: RDD<[K, V]>, partitioner: Partitioner): RDD<[K, V]> {
  return new ShuffledRDD<K, V, V>(rdd, async () => partitioner, { mapSideCombine: false }).setName('partitionBy');
}

/** Samples keys to choose range bounds (Spark's RangePartitioner sketch), then shuffles with sorted reads. */
export function sortByKey<K, V>(rdd: RDD<[K, V]>, ascending: boolean, numPartitions?: number): RDD<[K, V]> {
  const partitioner = async (): Promise<Partitioner> => {
    const inputPartitions = await rdd.getNumPartitions();
    const n = numPartitions ?? inputPartitions;
    if (!(n >= 1)) throw new RangeError(`sortByKey: numPartitions must be >= 1, got ${n}`);
    if (n === 1 || inputPartitions === 0) return new RangePartitioner([], ascending);
    const perPartition = rangeSampleSizePerPartition(n, inputPartitions);
    const seed = rdd.context.nextSeed();
    const sketches = await rdd.context.runJob<{ count: number; keys: unknown[] }>(rdd as RDD<unknown>, () => ({ op: 'sampleKeys', perPartition, seed }), { callSite: 'sortByKey' });
    const samples = sketches.filter((s) => s.keys.length > 0).map((s) => ({ keys: s.keys, weight: s.count / s.keys.length }));
    return new RangePartitioner(computeRangeBounds(samples, n), ascending);
  };
  return new ShuffledRDD<K, V, V>(rdd, partitioner, { mapSideCombine: false, sortKeys: ascending ? 'ascending' : 'descending' }).setName('sortByKey');
}

export function cogroup<K, V, W>(a: RDD<[K, V]>, b: RDD<[K, W]>, numPartitions?: number | Partitioner): RDD<[K, [V[], W[]]]> {
  const parents = [a, b] as RDD<[K, unknown]>[];
  return new CoGroupedRDD<K>(a.context, parents, partitionerFor(parents as RDD<unknown>[], numPartitions)).setName('cogroup') as unknown as RDD<[K, [V[], W[]]]>;
}

export type JoinKind = 'inner' | 'left' | 'right' | 'full';

const joinInner = (g: [unknown[], unknown[]]) => {
  const out = [];
  for (const v of g[0]) for (const w of g[1]) out.push([v, w]);
  return out;
};
const joinLeft = (g: [unknown[], unknown[]]) => {
  const out = [];
  for (const v of g[0]) {
    if (g[1].length === 0) out.push([v, undefined]);
    else for (const w of g[1]) out.push([v, w]);
  }
  return out;
};
const joinRight = (g: [unknown[], unknown[]]) => {
  const out = [];
  for (const w of g[1]) {
    if (g[0].length === 0) out.push([undefined, w]);
    else for (const v of g[0]) out.push([v, w]);
  }
  return out;
};
const joinFull = (g: [unknown[], unknown[]]) => {
  const out = [];
  if (g[0].length === 0) for (const w of g[1]) out.push([undefined, w]);
  else if (g[1].length === 0) for (const v of g[0]) out.push([v, undefined]);
  else for (const v of g[0]) for (const w of g[1]) out.push([v, w]);
  return out;
};
const JOINERS = { inner: joinInner, left: joinLeft, right: joinRight, full: joinFull };

export function join<K>(a: RDD<[K, unknown]>, b: RDD<[K, unknown]>, kind: JoinKind, numPartitions?: number | Partitioner): RDD<[K, [unknown, unknown]]> {
  return cogroup(a, b, numPartitions).flatMapValues(JOINERS[kind] as (g: [unknown[], unknown[]]) => [unknown, unknown][]);
}

export function distinct<T>(rdd: RDD<T>, numPartitions?: number): RDD<T> {
  return rdd
    .map((x) => [x, null] as [T, null])
    .reduceByKey((a) => a, numPartitions)
    .keys();
}

export function intersection<T>(a: RDD<T>, b: RDD<T>, numPartitions?: number): RDD<T> {
  return a
    .map((x) => [x, null] as [T, null])
    .cogroup(b.map((x) => [x, null] as [T, null]), numPartitions)
    .filter((kv) => kv[1][0].length > 0 && kv[1][1].length > 0)
    .keys();
}

/** repartition / coalesce(n, true): round-robin keys from a random start, hash-partitioned, keys dropped. */
export function repartitionByShuffle<T>(rdd: RDD<T>, numPartitions: number): RDD<T> {
  const seed = rdd.context.nextSeed();
  const keyed = new NarrowRDD<[number, T]>(rdd as RDD<unknown>, () => ({ op: 'repartitionKeys', seed, numPartitions }), false, 'repartition');
  return new ShuffledRDD<number, T, T>(keyed, async () => new HashPartitioner(numPartitions), { mapSideCombine: false }).values().setName('repartition');
}
