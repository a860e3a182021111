import type { FunctionSpec } from '../closure/shipped-function.js';
import type { PartitionerSpec } from '../partitioner.js';
import type { FileSplit } from '../io/text-input.js';
import type { BlockAddress } from '../executor/task-result.js';

/**
 * What travels to executors: plain data describing an RDD's lineage within one
 * stage (down to its shuffle reads), the partition to compute, and the
 * operation to run on it. The driver builds it (`RDD.toSpec`), the executor
 * rebuilds a computation from it (`executor/compute.ts`). Everything here must
 * survive `node:v8` serialization.
 */

export interface Partition {
  readonly index: number;
}
export interface ParallelPartition extends Partition { data: unknown[] }
export interface RangePartition extends Partition { start: number; end: number; step: number }
export interface UnionPartition extends Partition { parentIndex: number; parent: Partition }
export interface CoalescedPartition extends Partition { parents: Partition[] }
export interface CartesianPartition extends Partition { left: Partition; right: Partition }
export interface CoGroupPartition extends Partition { narrow: (Partition | null)[] }
export interface FilePartition extends Partition { split: FileSplit }
export interface FilesPartition extends Partition { paths: string[] }

/** Built-in per-partition transformations; user functions ride along as FunctionSpecs. */
export type NarrowOp =
  | { op: 'map' | 'filter' | 'flatMap' | 'mapValues' | 'flatMapValues' | 'keyBy' | 'mapPartitions' | 'mapPartitionsWithIndex'; fn: FunctionSpec }
  | { op: 'keys' | 'values' | 'glom' }
  | { op: 'sample'; withReplacement: boolean; fraction: number; seed: number }
  | { op: 'zipWithIndex'; startIndices: number[] }
  | { op: 'pipe'; command: string[]; env: Record<string, string> }
  | { op: 'repartitionKeys'; seed: number; numPartitions: number };

/** Combiner functions of a shuffle: built-in, or the user's combineByKey triple. */
export type AggregatorSpec =
  | { kind: 'group' }
  | { kind: 'reduce'; fn: FunctionSpec }
  | { kind: 'fold'; zero: unknown; fn: FunctionSpec }
  | { kind: 'aggregate'; zero: unknown; seq: FunctionSpec; comb: FunctionSpec }
  | { kind: 'combine'; create: FunctionSpec; merge: FunctionSpec; mergeCombiners: FunctionSpec };

/**
 * One map task's output as a reducer sees it: the files on the executor that
 * wrote them and, on a cluster, that executor's block server. A reducer reads
 * the files itself when there is no block address (local mode, shared disk)
 * or when it runs on the same executor; otherwise it fetches over the network.
 */
export interface MapOutputRef {
  dataPath: string;
  indexPath: string;
  executorId?: string;
  blockAddress?: BlockAddress;
}

export interface ShuffleReadSource {
  shuffleId: number;
  /** One per map task, by map id. */
  mapOutputs: MapOutputRef[];
  aggregator?: AggregatorSpec;
  mapSideCombined: boolean;
  sortKeys?: 'ascending' | 'descending';
  /** Map tasks wrote each block sorted in the sortKeys direction: the reducer only merges. */
  mapSideSorted?: boolean;
}

export type RddSpec = { rddId: number; cache?: { level: string } } & (
  | { kind: 'parallel' }
  | { kind: 'range' }
  | { kind: 'narrow'; parent: RddSpec; ops: NarrowOp[] }
  | { kind: 'union'; parents: RddSpec[] }
  | { kind: 'coalesced'; parent: RddSpec }
  | { kind: 'cartesian'; left: RddSpec; right: RddSpec }
  | { kind: 'shuffled'; read: ShuffleReadSource }
  | { kind: 'cogroup'; sources: ({ narrow: RddSpec; tag: number } | { shuffle: ShuffleReadSource; tag: number })[]; arity: number }
  | { kind: 'textFile' }
  | { kind: 'wholeTextFiles' }
  | { kind: 'objectFile' }
);

/** Built-in actions run on each partition; the result comes back to the driver. */
export type ResultOp =
  | { op: 'collect' | 'count' | 'countByValue' | 'countByKey' | 'none' }
  | { op: 'take'; n: number }
  | { op: 'reduce'; fn: FunctionSpec }
  | { op: 'fold'; zero: unknown; fn: FunctionSpec }
  | { op: 'aggregate'; zero: unknown; seq: FunctionSpec; comb: FunctionSpec }
  | { op: 'foreach' | 'foreachPartition'; fn: FunctionSpec }
  | { op: 'takeOrdered'; n: number; cmp?: FunctionSpec; descending: boolean }
  | { op: 'sampleKeys'; perPartition: number; seed: number }
  | { op: 'lookup'; key: unknown }
  | { op: 'saveText' | 'saveObject'; outputDir: string; jobId: string };

/** The part of a task shared by all tasks of one stage attempt: sent to each executor once. */
export interface StageBinary {
  rdd: RddSpec;
  /** Result stages: what to compute on each partition. */
  result?: ResultOp;
  /** Shuffle map stages: where and how to write. */
  shuffleWrite?: { shuffleId: number; partitioner: PartitionerSpec; aggregator?: AggregatorSpec; sortKeys: false | 'ascending' | 'descending' };
  /** Broadcast ids that functions in this stage refer to. */
  broadcastIds: number[];
  /** Application bundles executors import to resolve exported functions. */
  moduleUrls: string[];
}

/** One task: a partition of a stage attempt. */
export interface TaskSpec {
  taskId: number;
  stageId: number;
  stageAttempt: number;
  attempt: number;
  partition: Partition;
  /** Identifies the StageBinary this task uses. */
  binaryId: number;
}
