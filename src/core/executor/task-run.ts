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
  /** What this task read from input files and shuffle blocks, and wrote as output files. */
  readonly io: TaskIo;
}

export interface TaskIo {
  /** Bytes read from input files, and the records (lines, files, objects) they gave. */
  inputBytes: number;
  inputRecords: number;
  /** Shuffle block bytes read, and the part fetched from other executors. */
  shuffleBytesRead: number;
  shuffleRemoteBytesRead: number;
  /** Records and bytes written by saveAsTextFile / saveAsObjectFile. */
  outputRecords: number;
  outputBytes: number;
}

/** A task's I/O counters at the start. */
export function emptyTaskIo(): TaskIo {
  return { inputBytes: 0, inputRecords: 0, shuffleBytesRead: 0, shuffleRemoteBytesRead: 0, outputRecords: 0, outputBytes: 0 };
}
