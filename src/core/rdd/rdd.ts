import type { Env } from '../closure/shipped-function.js';
import type { Partitioner } from '../partitioner.js';
import type { Dependency, ShuffleDependency } from './dependency.js';
import type { RddContext } from './rdd-context.js';
import type {
  AggregatorSpec,
  CartesianPartition,
  CoalescedPartition,
  CoGroupPartition,
  FilePartition,
  NarrowOp,
  ParallelPartition,
  Partition,
  RangePartition,
  RddSpec,
} from './spec.js';
import type { SpecContext } from './spec-context.js';
import * as actions from './actions.js';
import * as pairs from './pair-functions.js';

/**
 * Resilient distributed datasets, driver side.
 *
 * An RDD is a lineage description: partitions, dependencies on parent RDDs,
 * an optional partitioner. Nothing runs until an action; then the
 * DAGScheduler cuts the lineage into stages and each task receives a spec of
 * its stage's part of the lineage (`toSpec`), rebuilt on the executor by
 * `executor/compute.ts`.
 *
 * Partitions, dependencies and partitioners are resolved lazily and
 * asynchronously (`resolve()`), because some need I/O (listing input files)
 * or a job (sampling keys for sortByKey, counting for zipWithIndex).
 * `getNumPartitions()` is therefore async.
 *
 * User functions take an optional env as their last parameter (see
 * closure/shipped-function.ts): `rdd.map((x, env) => x * env.factor, { factor })`.
 * Pair functions are typed on `RDD<[K, V]>` through a `this` parameter.
 *
 * All RDD classes live in this file on purpose: subclasses must be defined
 * after the base class, and one module is the simple way to guarantee that
 * without import-order tricks. The operations themselves live in
 * actions.ts, pair-functions.ts and sources.ts.
 */

export const StorageLevel = {
  NONE: 'NONE',
  MEMORY_ONLY: 'MEMORY_ONLY',
  MEMORY_AND_DISK: 'MEMORY_AND_DISK',
  DISK_ONLY: 'DISK_ONLY',
} as const;
export type StorageLevel = (typeof StorageLevel)[keyof typeof StorageLevel];

export interface Resolved {
  partitions: Partition[];
  dependencies: Dependency[];
  partitioner?: Partitioner;
}

type Fn<A extends unknown[], R, E> = (...args: [...A, E]) => R;

export abstract class RDD<T> {
  readonly id: number;
  name: string | undefined;
  private level: StorageLevel = StorageLevel.NONE;
  private resolving: Promise<Resolved> | undefined;
  private resolvedValue: Resolved | undefined;

  constructor(readonly context: RddContext) {
    this.id = context.newRddId();
  }

  /** Computes partitions, dependencies and partitioner; parents are resolved first. */
  protected abstract doResolve(): Promise<Resolved>;
  /** This RDD's spec body for a stage binary (rddId and caching are added by toSpec). */
  protected abstract specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'>;

  resolve(): Promise<Resolved> {
    if (!this.resolving) {
      this.resolving = this.doResolve().then((r) => {
        this.resolvedValue = r;
        return r;
      });
    }
    return this.resolving;
  }

  private get resolved(): Resolved {
    if (!this.resolvedValue) throw new Error(`RDD ${this.id} is used before it was resolved (await rdd.resolve() first)`);
    return this.resolvedValue;
  }

  get partitions(): Partition[] {
    return this.resolved.partitions;
  }

  get dependencies(): Dependency[] {
    return this.resolved.dependencies;
  }

  get partitioner(): Partitioner | undefined {
    return this.resolved.partitioner;
  }

  async getNumPartitions(): Promise<number> {
    return (await this.resolve()).partitions.length;
  }

  /** Hosts where `partition`'s input lives (Spark's getPreferredLocations): HDFS block hosts for file splits, else none. */
  preferredLocations(_partition: Partition): readonly string[] {
    return [];
  }

  toSpec(ctx: SpecContext): RddSpec {
    const body = this.specBody(ctx);
    return { rddId: this.id, ...(this.level !== StorageLevel.NONE ? { cache: { level: this.level } } : {}), ...body } as RddSpec;
  }

  get storageLevel(): StorageLevel {
    return this.level;
  }

  setName(name: string): this {
    this.name = name;
    return this;
  }

  toString(): string {
    return `${this.name ?? this.constructor.name}[${this.id}]`;
  }

  // ---- persistence -------------------------------------------------------

  /** Keeps computed partitions on the executors that computed them. */
  persist(level: StorageLevel = StorageLevel.MEMORY_ONLY): this {
    if (this.level !== StorageLevel.NONE && this.level !== level) {
      throw new Error(`Cannot change the storage level of ${this} from ${this.level} to ${level}: unpersist() it first`);
    }
    this.level = level;
    this.context.rddPersisted?.(this as RDD<unknown>);
    return this;
  }

  cache(): this {
    return this.persist(StorageLevel.MEMORY_ONLY);
  }

  unpersist(): this {
    this.level = StorageLevel.NONE;
    this.context.unpersistRdd(this.id);
    return this;
  }

  // ---- narrow transformations ----------------------------------------------

  private narrow<U>(operation: string, build: (ctx: SpecContext) => NarrowOp, preservesPartitioning = false): RDD<U> {
    return new NarrowRDD<U>(this as RDD<unknown>, build, preservesPartitioning, operation);
  }

  map<U, E extends Env = Env>(f: Fn<[T], U, E>, env?: E): RDD<U> {
    const s = this.context.ship(f, env, 'map');
    return this.narrow('map', (ctx) => ({ op: 'map', fn: ctx.fn(s) }));
  }

  filter<E extends Env = Env>(f: Fn<[T], unknown, E>, env?: E): RDD<T> {
    const s = this.context.ship(f, env, 'filter');
    return this.narrow('filter', (ctx) => ({ op: 'filter', fn: ctx.fn(s) }), true);
  }

  flatMap<U, E extends Env = Env>(f: Fn<[T], Iterable<U>, E>, env?: E): RDD<U> {
    const s = this.context.ship(f, env, 'flatMap');
    return this.narrow('flatMap', (ctx) => ({ op: 'flatMap', fn: ctx.fn(s) }));
  }

  /** `f` receives the partition's records (async iterable) and returns an array, iterable or async iterable. */
  mapPartitions<U, E extends Env = Env>(
    f: Fn<[AsyncIterable<T>], Iterable<U> | AsyncIterable<U> | Promise<U[]>, E>,
    env?: E,
    preservesPartitioning = false,
  ): RDD<U> {
    const s = this.context.ship(f, env, 'mapPartitions');
    return this.narrow('mapPartitions', (ctx) => ({ op: 'mapPartitions', fn: ctx.fn(s) }), preservesPartitioning);
  }

  mapPartitionsWithIndex<U, E extends Env = Env>(
    f: Fn<[number, AsyncIterable<T>], Iterable<U> | AsyncIterable<U> | Promise<U[]>, E>,
    env?: E,
    preservesPartitioning = false,
  ): RDD<U> {
    const s = this.context.ship(f, env, 'mapPartitionsWithIndex');
    return this.narrow('mapPartitionsWithIndex', (ctx) => ({ op: 'mapPartitionsWithIndex', fn: ctx.fn(s) }), preservesPartitioning);
  }

  glom(): RDD<T[]> {
    return this.narrow('glom', () => ({ op: 'glom' }));
  }

  keyBy<K, E extends Env = Env>(f: Fn<[T], K, E>, env?: E): RDD<[K, T]> {
    const s = this.context.ship(f, env, 'keyBy');
    return this.narrow('keyBy', (ctx) => ({ op: 'keyBy', fn: ctx.fn(s) }));
  }

  /** Bernoulli (or Poisson, with replacement) sampling; `fraction` is the expected share (or count per record). */
  sample(withReplacement: boolean, fraction: number, seed: number = this.context.nextSeed()): RDD<T> {
    if (!(fraction >= 0)) throw new RangeError(`sample: fraction must be >= 0, got ${fraction}`);
    return this.narrow('sample', () => ({ op: 'sample', withReplacement, fraction, seed }), true);
  }

  /** Each record's String form as a line to `command`'s stdin; the command's stdout lines are the result. */
  pipe(command: string | string[], env: Record<string, string> = {}): RDD<string> {
    const argv = Array.isArray(command) ? command : command.split(/\s+/).filter(Boolean);
    return this.narrow('pipe', () => ({ op: 'pipe', command: argv, env }));
  }

  union(other: RDD<T>): RDD<T> {
    return new UnionRDD<T>(this.context, [this, other]);
  }

  cartesian<U>(other: RDD<U>): RDD<[T, U]> {
    return new CartesianRDD<T, U>(this, other);
  }

  coalesce(numPartitions: number, shuffle = false): RDD<T> {
    if (!(numPartitions >= 1)) throw new RangeError(`coalesce: numPartitions must be >= 1, got ${numPartitions}`);
    if (!shuffle) return new CoalescedRDD<T>(this, numPartitions);
    return pairs.repartitionByShuffle(this, numPartitions);
  }

  repartition(numPartitions: number): RDD<T> {
    return this.coalesce(numPartitions, true);
  }

  distinct(numPartitions?: number): RDD<T> {
    return pairs.distinct(this, numPartitions);
  }

  intersection(other: RDD<T>, numPartitions?: number): RDD<T> {
    return pairs.intersection(this, other, numPartitions);
  }

  sortBy<K, E extends Env = Env>(f: Fn<[T], K, E>, ascending = true, numPartitions?: number, env?: E): RDD<T> {
    return pairs.sortByKey(this.keyBy(f, env), ascending, numPartitions).values();
  }

  /** Pairs each record with its index (partition order, then position); runs a job to count partitions first, as Spark does. */
  zipWithIndex(): RDD<[T, number]> {
    return new ZipWithIndexRDD<T>(this);
  }

  // ---- pair transformations -------------------------------------------------

  mapValues<K, V, U, E extends Env = Env>(this: RDD<[K, V]>, f: Fn<[V], U, E>, env?: E): RDD<[K, U]> {
    const s = this.context.ship(f, env, 'mapValues');
    return this.narrow('mapValues', (ctx) => ({ op: 'mapValues', fn: ctx.fn(s) }), true);
  }

  flatMapValues<K, V, U, E extends Env = Env>(this: RDD<[K, V]>, f: Fn<[V], Iterable<U>, E>, env?: E): RDD<[K, U]> {
    const s = this.context.ship(f, env, 'flatMapValues');
    return this.narrow('flatMapValues', (ctx) => ({ op: 'flatMapValues', fn: ctx.fn(s) }), true);
  }

  keys<K, V>(this: RDD<[K, V]>): RDD<K> {
    return this.narrow('keys', () => ({ op: 'keys' }));
  }

  values<K, V>(this: RDD<[K, V]>): RDD<V> {
    return this.narrow('values', () => ({ op: 'values' }));
  }

  groupByKey<K, V>(this: RDD<[K, V]>, numPartitions?: number | Partitioner): RDD<[K, V[]]> {
    return pairs.groupByKey(this, numPartitions);
  }

  reduceByKey<K, V, E extends Env = Env>(this: RDD<[K, V]>, f: Fn<[V, V], V, E>, numPartitions?: number | Partitioner, env?: E): RDD<[K, V]> {
    return pairs.combineWith(this, { kind: 'reduce', fn: this.context.ship(f, env, 'reduceByKey') }, numPartitions);
  }

  foldByKey<K, V, E extends Env = Env>(this: RDD<[K, V]>, zero: V, f: Fn<[V, V], V, E>, numPartitions?: number | Partitioner, env?: E): RDD<[K, V]> {
    return pairs.combineWith(this, { kind: 'fold', zero, fn: this.context.ship(f, env, 'foldByKey') }, numPartitions);
  }

  aggregateByKey<K, V, U, E extends Env = Env>(
    this: RDD<[K, V]>,
    zero: U,
    seqOp: Fn<[U, V], U, E>,
    combOp: Fn<[U, U], U, E>,
    numPartitions?: number | Partitioner,
    env?: E,
  ): RDD<[K, U]> {
    return pairs.combineWith(
      this,
      { kind: 'aggregate', zero, seq: this.context.ship(seqOp, env, 'aggregateByKey'), comb: this.context.ship(combOp, env, 'aggregateByKey') },
      numPartitions,
    );
  }

  combineByKey<K, V, C, E extends Env = Env>(
    this: RDD<[K, V]>,
    createCombiner: Fn<[V], C, E>,
    mergeValue: Fn<[C, V], C, E>,
    mergeCombiners: Fn<[C, C], C, E>,
    numPartitions?: number | Partitioner,
    env?: E,
  ): RDD<[K, C]> {
    return pairs.combineWith(
      this,
      {
        kind: 'combine',
        create: this.context.ship(createCombiner, env, 'combineByKey'),
        merge: this.context.ship(mergeValue, env, 'combineByKey'),
        mergeCombiners: this.context.ship(mergeCombiners, env, 'combineByKey'),
      },
      numPartitions,
    );
  }

  partitionBy<K, V>(this: RDD<[K, V]>, partitioner: Partitioner): RDD<[K, V]> {
    return pairs.partitionBy(this, partitioner);
  }

  sortByKey<K, V>(this: RDD<[K, V]>, ascending = true, numPartitions?: number): RDD<[K, V]> {
    return pairs.sortByKey(this, ascending, numPartitions);
  }

  cogroup<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number | Partitioner): RDD<[K, [V[], W[]]]> {
    return pairs.cogroup(this, other, numPartitions);
  }

  join<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number | Partitioner): RDD<[K, [V, W]]> {
    return pairs.join(this, other, 'inner', numPartitions) as RDD<[K, [V, W]]>;
  }

  leftOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number | Partitioner): RDD<[K, [V, W | undefined]]> {
    return pairs.join(this, other, 'left', numPartitions) as RDD<[K, [V, W | undefined]]>;
  }

  rightOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number | Partitioner): RDD<[K, [V | undefined, W]]> {
    return pairs.join(this, other, 'right', numPartitions) as RDD<[K, [V | undefined, W]]>;
  }

  fullOuterJoin<K, V, W>(this: RDD<[K, V]>, other: RDD<[K, W]>, numPartitions?: number | Partitioner): RDD<[K, [V | undefined, W | undefined]]> {
    return pairs.join(this, other, 'full', numPartitions) as RDD<[K, [V | undefined, W | undefined]]>;
  }

  // ---- actions ----------------------------------------------------------------

  collect(): Promise<T[]> {
    return actions.collect(this);
  }

  count(): Promise<number> {
    return actions.count(this);
  }

  reduce<E extends Env = Env>(f: Fn<[T, T], T, E>, env?: E): Promise<T> {
    return actions.reduce(this, this.context.ship(f, env, 'reduce'));
  }

  fold<E extends Env = Env>(zero: T, f: Fn<[T, T], T, E>, env?: E): Promise<T> {
    return actions.fold(this, zero, this.context.ship(f, env, 'fold'));
  }

  aggregate<U, E extends Env = Env>(zero: U, seqOp: Fn<[U, T], U, E>, combOp: Fn<[U, U], U, E>, env?: E): Promise<U> {
    return actions.aggregate(this, zero, this.context.ship(seqOp, env, 'aggregate'), this.context.ship(combOp, env, 'aggregate'));
  }

  first(): Promise<T> {
    return actions.first(this);
  }

  take(n: number): Promise<T[]> {
    return actions.take(this, n);
  }

  takeSample(withReplacement: boolean, num: number, seed?: number): Promise<T[]> {
    return actions.takeSample(this, withReplacement, num, seed ?? this.context.nextSeed());
  }

  /** The `n` smallest records by `compare` (default: key order, see keys.ts). */
  takeOrdered<E extends Env = Env>(n: number, compare?: Fn<[T, T], number, E>, env?: E): Promise<T[]> {
    return actions.takeOrdered(this, n, compare ? this.context.ship(compare, env, 'takeOrdered') : undefined, false);
  }

  /** The `n` largest records by `compare` (default: key order), largest first. */
  top<E extends Env = Env>(n: number, compare?: Fn<[T, T], number, E>, env?: E): Promise<T[]> {
    return actions.takeOrdered(this, n, compare ? this.context.ship(compare, env, 'top') : undefined, true);
  }

  /** Counts of each distinct value; keys compare by value (keys.ts). */
  countByValue(): Promise<Map<T, number>> {
    return actions.countBy(this, 'countByValue') as Promise<Map<T, number>>;
  }

  countByKey<K, V>(this: RDD<[K, V]>): Promise<Map<K, number>> {
    return actions.countBy(this, 'countByKey') as Promise<Map<K, number>>;
  }

  lookup<K, V>(this: RDD<[K, V]>, key: K): Promise<V[]> {
    return actions.lookup(this, key);
  }

  foreach<E extends Env = Env>(f: Fn<[T], unknown, E>, env?: E): Promise<void> {
    return actions.foreach(this, this.context.ship(f, env, 'foreach'), 'foreach');
  }

  foreachPartition<E extends Env = Env>(f: Fn<[AsyncIterable<T>], unknown, E>, env?: E): Promise<void> {
    return actions.foreach(this, this.context.ship(f, env, 'foreachPartition'), 'foreachPartition');
  }

  /** Writes each record's String form as a line, one `part-NNNNN` file per partition, through the output committer. */
  saveAsTextFile(path: string): Promise<void> {
    return actions.save(this, path, 'saveText');
  }

  /** Writes records with node:v8 serialization (read back with sc.objectFile). */
  saveAsObjectFile(path: string): Promise<void> {
    return actions.save(this, path, 'saveObject');
  }
}

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

// ---- RDD kinds -------------------------------------------------------------------

export class ParallelCollectionRDD<T> extends RDD<T> {
  constructor(
    context: RddContext,
    private readonly data: readonly T[],
    private readonly numSlices: number,
  ) {
    super(context);
    if (!(numSlices >= 1)) throw new RangeError(`parallelize: numSlices must be >= 1, got ${numSlices}`);
  }

  protected async doResolve(): Promise<Resolved> {
    // Spark's slicing: partition i holds [i*n/k, (i+1)*n/k)
    const n = this.data.length;
    const k = this.numSlices;
    const partitions: ParallelPartition[] = [];
    for (let i = 0; i < k; i++) {
      const start = Math.floor((i * n) / k);
      const end = Math.floor(((i + 1) * n) / k);
      partitions.push({ index: i, data: this.data.slice(start, end) as unknown[] });
    }
    return { partitions, dependencies: [] };
  }

  protected specBody(): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return { kind: 'parallel' };
  }
}

export class RangeRDD extends RDD<number> {
  constructor(
    context: RddContext,
    private readonly start: number,
    private readonly end: number,
    private readonly step: number,
    private readonly numSlices: number,
  ) {
    super(context);
    if (step === 0) throw new RangeError('range: step must not be 0');
  }

  protected async doResolve(): Promise<Resolved> {
    const count = Math.max(0, Math.ceil((this.end - this.start) / this.step));
    const partitions: RangePartition[] = [];
    for (let i = 0; i < this.numSlices; i++) {
      const from = Math.floor((i * count) / this.numSlices);
      const to = Math.floor(((i + 1) * count) / this.numSlices);
      partitions.push({ index: i, start: this.start + from * this.step, end: this.start + to * this.step, step: this.step });
    }
    return { partitions, dependencies: [] };
  }

  protected specBody(): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return { kind: 'range' };
  }
}

/** map, filter, flatMap, ...: the same partitions as the parent, transformed per batch. */
export class NarrowRDD<T> extends RDD<T> {
  constructor(
    readonly parent: RDD<unknown>,
    private readonly op: (ctx: SpecContext) => NarrowOp,
    private readonly preservesPartitioning: boolean,
    operation: string,
  ) {
    super(parent.context);
    this.name = operation;
  }

  protected async doResolve(): Promise<Resolved> {
    const p = await this.parent.resolve();
    return {
      partitions: p.partitions,
      dependencies: [{ kind: 'narrow', rdd: this.parent }],
      ...(this.preservesPartitioning && p.partitioner ? { partitioner: p.partitioner } : {}),
    };
  }

  protected specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    const parent = this.parent.toSpec(ctx);
    const op = this.op(ctx);
    // fuse chains of narrow ops into one spec node (one generator per op either way)
    if (parent.kind === 'narrow' && !parent.cache) return { kind: 'narrow', parent: parent.parent, ops: [...parent.ops, op] };
    return { kind: 'narrow', parent, ops: [op] };
  }
}

export class ZipWithIndexRDD<T> extends RDD<[T, number]> {
  constructor(private readonly parent: RDD<T>) {
    super(parent.context);
  }

  private startIndices: number[] = [];

  protected async doResolve(): Promise<Resolved> {
    const p = await this.parent.resolve();
    const n = p.partitions.length;
    // counts of all but the last partition decide where each partition starts
    const counts = n > 1 ? await this.context.runJob<number>(this.parent as RDD<unknown>, () => ({ op: 'count' }), { callSite: 'zipWithIndex', partitions: [...Array(n - 1).keys()] }) : [];
    this.startIndices = [0];
    for (const c of counts) this.startIndices.push(this.startIndices[this.startIndices.length - 1]! + c);
    return { partitions: p.partitions, dependencies: [{ kind: 'narrow', rdd: this.parent as RDD<unknown> }] };
  }

  protected specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return { kind: 'narrow', parent: this.parent.toSpec(ctx), ops: [{ op: 'zipWithIndex', startIndices: this.startIndices }] };
  }
}

export class UnionRDD<T> extends RDD<T> {
  constructor(
    context: RddContext,
    private readonly parents: RDD<T>[],
  ) {
    super(context);
  }

  protected async doResolve(): Promise<Resolved> {
    const partitions: Partition[] = [];
    for (let i = 0; i < this.parents.length; i++) {
      const r = await this.parents[i]!.resolve();
      for (const parent of r.partitions) partitions.push({ index: partitions.length, parentIndex: i, parent } as Partition);
    }
    return { partitions, dependencies: this.parents.map((rdd) => ({ kind: 'narrow' as const, rdd: rdd as RDD<unknown> })) };
  }

  protected specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return { kind: 'union', parents: this.parents.map((p) => p.toSpec(ctx)) };
  }
}

export class CoalescedRDD<T> extends RDD<T> {
  constructor(
    private readonly parent: RDD<T>,
    private readonly numPartitions: number,
  ) {
    super(parent.context);
  }

  protected async doResolve(): Promise<Resolved> {
    const parents = (await this.parent.resolve()).partitions;
    const k = Math.min(this.numPartitions, Math.max(parents.length, 1));
    const partitions: CoalescedPartition[] = [];
    for (let i = 0; i < k; i++) {
      const from = Math.floor((i * parents.length) / k);
      const to = Math.floor(((i + 1) * parents.length) / k);
      partitions.push({ index: i, parents: parents.slice(from, to) });
    }
    return { partitions, dependencies: [{ kind: 'narrow', rdd: this.parent as RDD<unknown> }] };
  }

  protected specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return { kind: 'coalesced', parent: this.parent.toSpec(ctx) };
  }
}

export class CartesianRDD<T, U> extends RDD<[T, U]> {
  constructor(
    private readonly left: RDD<T>,
    private readonly right: RDD<U>,
  ) {
    super(left.context);
  }

  protected async doResolve(): Promise<Resolved> {
    const l = (await this.left.resolve()).partitions;
    const r = (await this.right.resolve()).partitions;
    const partitions: CartesianPartition[] = [];
    for (const a of l) for (const b of r) partitions.push({ index: partitions.length, left: a, right: b });
    return { partitions, dependencies: [{ kind: 'narrow', rdd: this.left as RDD<unknown> }, { kind: 'narrow', rdd: this.right as RDD<unknown> }] };
  }

  protected specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return { kind: 'cartesian', left: this.left.toSpec(ctx), right: this.right.toSpec(ctx) };
  }
}

export interface ShuffleOptions {
  aggregator?: (ctx: SpecContext) => AggregatorSpec;
  mapSideCombine: boolean;
  sortKeys?: 'ascending' | 'descending';
}

/** The reduce side of a shuffle: partition i holds the keys the partitioner sends to i. */
export class ShuffledRDD<K, V, C> extends RDD<[K, C]> {
  private dep: ShuffleDependency | undefined;

  constructor(
    private readonly parent: RDD<[K, V]>,
    private readonly partitionerFor: () => Promise<Partitioner>,
    private readonly options: ShuffleOptions,
  ) {
    super(parent.context);
  }

  protected async doResolve(): Promise<Resolved> {
    await this.parent.resolve();
    const partitioner = await this.partitionerFor();
    const aggregator = this.options.aggregator;
    this.dep = {
      kind: 'shuffle',
      rdd: this.parent as RDD<unknown>,
      shuffleId: this.context.newShuffleId(),
      partitioner,
      mapSideCombine: this.options.mapSideCombine,
      sortKeys: this.options.sortKeys ?? false,
      ...(aggregator && this.options.mapSideCombine ? { aggregator } : {}),
    };
    const partitions = Array.from({ length: partitioner.numPartitions }, (_, index) => ({ index }));
    return { partitions, dependencies: [this.dep], partitioner };
  }

  protected specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    const dep = this.dep!;
    const aggregator = this.options.aggregator?.(ctx);
    return {
      kind: 'shuffled',
      read: {
        shuffleId: dep.shuffleId,
        mapOutputs: ctx.mapOutputs(dep.shuffleId),
        ...(aggregator ? { aggregator } : {}),
        mapSideCombined: this.options.mapSideCombine,
        ...(this.options.sortKeys ? { sortKeys: this.options.sortKeys, mapSideSorted: true } : {}),
      },
    };
  }
}

/** Values of every parent per key; a parent already partitioned the same way is read without a shuffle. */
export class CoGroupedRDD<K> extends RDD<[K, unknown[][]]> {
  private deps: Dependency[] = [];

  constructor(
    context: RddContext,
    private readonly parents: RDD<[K, unknown]>[],
    private readonly partitionerFor: () => Promise<Partitioner>,
  ) {
    super(context);
  }

  protected async doResolve(): Promise<Resolved> {
    for (const p of this.parents) await p.resolve();
    const partitioner = await this.partitionerFor();
    this.deps = this.parents.map((rdd): Dependency => {
      if (rdd.partitioner && rdd.partitioner.equals(partitioner)) return { kind: 'narrow', rdd: rdd as RDD<unknown> };
      return { kind: 'shuffle', rdd: rdd as RDD<unknown>, shuffleId: this.context.newShuffleId(), partitioner, mapSideCombine: false, sortKeys: false };
    });
    const partitions: CoGroupPartition[] = [];
    for (let i = 0; i < partitioner.numPartitions; i++) {
      partitions.push({ index: i, narrow: this.deps.map((d) => (d.kind === 'narrow' ? d.rdd.partitions[i]! : null)) });
    }
    return { partitions, dependencies: this.deps, partitioner };
  }

  protected specBody(ctx: SpecContext): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return {
      kind: 'cogroup',
      arity: this.parents.length,
      sources: this.deps.map((d, tag) =>
        d.kind === 'narrow'
          ? { narrow: d.rdd.toSpec(ctx), tag }
          : {
              // grouped and sorted by key (spilling as needed), so the executor merges sources key by key
              shuffle: { shuffleId: d.shuffleId, mapOutputs: ctx.mapOutputs(d.shuffleId), aggregator: { kind: 'group' as const }, mapSideCombined: false, sortKeys: 'ascending' as const },
              tag,
            },
      ),
    };
  }
}

/** Sources that list files: textFile, wholeTextFiles, objectFile. */
export class FileSourceRDD<T> extends RDD<T> {
  constructor(
    context: RddContext,
    private readonly kind: 'textFile' | 'wholeTextFiles' | 'objectFile',
    private readonly computePartitions: () => Promise<Partition[]>,
  ) {
    super(context);
    this.name = kind;
  }

  protected async doResolve(): Promise<Resolved> {
    return { partitions: await this.computePartitions(), dependencies: [] };
  }

  override preferredLocations(partition: Partition): readonly string[] {
    const split = (partition as Partial<FilePartition>).split;
    return split ? split.hosts : [];
  }

  protected specBody(): DistributiveOmit<RddSpec, 'rddId' | 'cache'> {
    return { kind: this.kind };
  }
}
