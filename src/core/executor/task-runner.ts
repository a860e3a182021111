import type { StageBinary, TaskSpec } from '../rdd/spec.js';
import { compute } from './compute.js';
import type { ExecutorState } from './executor-state.js';
import { runResultOp } from './result-ops.js';
import { fetchFailureOf, writeShuffle } from './shuffle-adapter.js';
import { toRemoteError, type TaskMetrics, type TaskResult } from './task-result.js';
import { emptyTaskIo, type TaskRun } from './task-run.js';
import { TaskAccumulatorUpdates } from './accumulator-updates.js';
import { startGcStopwatch } from './gc-time.js';

/**
 * Runs one task on an executor: a ShuffleMapTask (compute the partition and
 * write shuffle output) or a ResultTask (compute it and run the action's
 * per-partition part). Shared by the local backend's worker threads and the
 * cluster executors. Never throws: failures become a failed TaskResult
 * carrying the user's message and stack. A task that could not read a map
 * output fails with `fetchFailed` set, even if the user's code caught the
 * error, so the driver reruns the map stage instead of retrying the task.
 */
export async function runTask(task: TaskSpec, binary: StageBinary, state: ExecutorState, now: () => number = Date.now): Promise<TaskResult> {
  const started = now();
  const gcStopwatch = startGcStopwatch();
  const run: TaskRun = {
    task,
    state,
    cachedBlocks: [],
    read: { recordsRead: 0, spillCount: 0, spillBytes: 0 },
    io: emptyTaskIo(),
  };
  /** Run time, bytes read and GC time, common to every outcome. */
  const common = (): TaskMetrics => {
    const gcMs = gcStopwatch();
    return {
      runMs: now() - started,
      inputBytes: run.io.inputBytes,
      inputRecords: run.io.inputRecords,
      outputRecords: run.io.outputRecords,
      outputBytes: run.io.outputBytes,
      shuffleBytesRead: run.io.shuffleBytesRead,
      shuffleRemoteBytesRead: run.io.shuffleRemoteBytesRead,
      ...(gcMs !== undefined ? { gcMs } : {}),
    };
  };
  state.currentUpdates = new TaskAccumulatorUpdates();
  try {
    const records = compute(binary.rdd, task.partition, run);
    if (binary.shuffleWrite) {
      const out = await writeShuffle(records, binary.shuffleWrite, run);
      throwIfFetchFailed(run);
      return {
        taskId: task.taskId,
        ok: true,
        mapOutput: {
          dataPath: out.dataPath,
          indexPath: out.indexPath,
          partitionLengths: out.partitionLengths,
          ...(out.blockAddress ? { blockAddress: out.blockAddress } : {}),
        },
        accumUpdates: state.currentUpdates.drain(),
        cachedBlocks: run.cachedBlocks,
        metrics: {
          ...common(),
          recordsWritten: out.metrics.recordsWritten,
          bytesWritten: out.metrics.bytesWritten,
          spillCount: out.metrics.spillCount + run.read.spillCount,
          spillBytes: out.metrics.spillBytes + run.read.spillBytes,
          recordsRead: run.read.recordsRead,
        },
      };
    }
    if (!binary.result) throw new Error('stage binary has neither a result operation nor a shuffle write');
    const value = await runResultOp(binary.result, records, run);
    throwIfFetchFailed(run);
    return {
      taskId: task.taskId,
      ok: true,
      value,
      accumUpdates: state.currentUpdates.drain(),
      cachedBlocks: run.cachedBlocks,
      metrics: { ...common(), spillCount: run.read.spillCount, spillBytes: run.read.spillBytes, recordsRead: run.read.recordsRead },
    };
  } catch (e) {
    state.currentUpdates.drain();
    const fetchFailed = fetchFailureOf(run);
    return {
      taskId: task.taskId,
      ok: false,
      error: toRemoteError(e),
      metrics: common(),
      ...(fetchFailed ? { fetchFailed } : {}),
    };
  }
}

function throwIfFetchFailed(run: TaskRun): void {
  const f = fetchFailureOf(run);
  if (f) {
    throw new Error(
      `task ${run.task.taskId} could not read shuffle ${f.shuffleId} map ${f.mapId} (its code caught the fetch failure and went on)`,
    );
  }
}
