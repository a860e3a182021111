import type { SparkConf } from '../../conf/spark-conf.js';
import type { Env, ShippedFunction } from '../closure/shipped-function.js';
import type { FileSystem } from '../io/file-system.js';
import type { RDD } from './rdd.js';
import type { ResultOp } from './spec.js';
import type { SpecContext } from './spec-context.js';

/** What RDDs need from their SparkContext (an interface, so rdd/ does not import the context). */
export interface RddContext {
  readonly conf: SparkConf;
  readonly defaultParallelism: number;
  newRddId(): number;
  newShuffleId(): number;
  /** A fresh seed for sampling and repartitioning, from the context's random source. */
  nextSeed(): number;
  /** Checks and encodes a function for executors (throws at declaration time). */
  ship<F extends (...args: any[]) => unknown>(fn: F, env: Env | undefined, operation: string): ShippedFunction<F>;
  /** Runs an action's per-partition operation on the given partitions (default: all). */
  runJob<R>(rdd: RDD<unknown>, op: (ctx: SpecContext) => ResultOp, options: { callSite: string; partitions?: number[] }): Promise<R[]>;
  fileSystem(path: string): FileSystem;
  unpersistRdd(rddId: number): void;
  /** The RDD was persisted: drop its cached blocks once the RDD object is garbage (the context cleaner). */
  rddPersisted?(rdd: RDD<unknown>): void;
}
