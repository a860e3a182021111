import type { AccumulatorKind } from './accumulator-updates.js';

/** A user error as it travels from an executor to the driver. */
export interface RemoteError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export interface TaskMetrics {
  runMs: number;
  /** Shuffle write (map tasks). */
  recordsWritten?: number;
  bytesWritten?: number;
  /** Spills of shuffle write and read together. */
  spillCount?: number;
  spillBytes?: number;
  recordsRead?: number;
  /** Bytes read from input files (text, whole files, object files), as read, lookahead included; the records they gave. */
  inputBytes?: number;
  inputRecords?: number;
  /** Records and bytes the task wrote to output files (saveAsTextFile, saveAsObjectFile). */
  outputRecords?: number;
  outputBytes?: number;
  /** Shuffle block bytes read, and the part of them fetched from other executors. */
  shuffleBytesRead?: number;
  shuffleRemoteBytesRead?: number;
  /** Garbage-collection time of the task's thread while it ran (absent where not measurable). */
  gcMs?: number;
}

export type TaskResult =
  | {
      taskId: number;
      ok: true;
      /** Result stages: the action's per-partition value. */
      value?: unknown;
      /** Shuffle map stages: where the output went. */
      mapOutput?: {
        dataPath: string;
        indexPath: string;
        partitionLengths: number[];
        /** The block server of the executor that wrote it (cluster executors only; local mode reads the files). */
        blockAddress?: BlockAddress;
      };
      accumUpdates: { id: number; kind: AccumulatorKind; value: unknown }[];
      cachedBlocks: { rddId: number; partition: number }[];
      metrics: TaskMetrics;
    }
  | {
      taskId: number;
      ok: false;
      error: RemoteError;
      metrics: TaskMetrics;
      /**
       * The task could not read a map output (Spark's FetchFailed): not the
       * task's fault and not counted against spark.task.maxFailures; the
       * DAGScheduler reruns the map stage that produced it.
       */
      fetchFailed?: FetchFailure;
    };

/** Where an executor's block server listens. */
export interface BlockAddress {
  host: string;
  port: number;
}

/** Which map output a reducer could not read, and from where. */
export interface FetchFailure {
  shuffleId: number;
  mapId: number;
  reduceId: number;
  /** The executor that wrote the map output. */
  executorId: string;
  blockAddress?: BlockAddress;
}

export function toRemoteError(e: unknown): RemoteError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}
