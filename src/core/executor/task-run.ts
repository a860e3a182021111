import type { ExecutorState } from './executor-state.js';
import type { TaskSpec } from '../rdd/spec.js';

/** What one running task carries through its computation (Spark's TaskContext). */
export interface TaskRun {
  readonly task: TaskSpec;
  readonly state: ExecutorState;
  /** Blocks this task cached, reported to the driver for locality. */
  readonly cachedBlocks: { rddId: number; partition: number }[];
  /** Shuffle reads of this task, summed over its shuffle inputs. */
  readonly read: { recordsRead: number; spillCount: number; spillBytes: number };
  /** Bytes this task read: from input files, and of shuffle blocks (all, and those fetched from other executors). */
  readonly io: TaskIo;
}

export interface TaskIo {
  inputBytes: number;
  shuffleBytesRead: number;
  shuffleRemoteBytesRead: number;
}
