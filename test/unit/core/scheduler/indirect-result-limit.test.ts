import { describe, expect, it } from 'vitest';
import type { SchedulerBackend } from '../../../../src/core/scheduler/backend.js';
import { decodeTask } from '../../../../src/core/scheduler/task-codec.js';
import { TaskScheduler } from '../../../../src/core/scheduler/task-scheduler.js';
import type { TaskSet } from '../../../../src/core/scheduler/task-set.js';
import { silentLogger } from '../../../../src/log.js';

/**
 * spark.driver.maxResultSize before an indirect result is fetched (canFetchResult):
 * result tasks' bytes add up against the limit; a shuffle map stage's results are map
 * statuses and are not counted, as in Spark.
 */

class IdleBackend implements SchedulerBackend {
  async start(): Promise<void> {}
  defaultParallelism(): number {
    return 2;
  }
  reviveOffers(): void {}
  registerBroadcast(): void {}
  removeBroadcast(): void {}
  releaseBinary(): void {}
  removeRdd(): void {}
  async stop(): Promise<void> {}
}

function taskSet(stageId: number, tasks: number, shuffleMap: boolean): TaskSet {
  return {
    stageId,
    stageAttempt: 0,
    priority: stageId,
    binaryId: stageId,
    binary: Buffer.alloc(0),
    broadcastIds: [],
    tasks: Array.from({ length: tasks }, (_, index) => ({ partition: { index }, preferredExecutors: [], preferredHosts: [] })),
    ...(shuffleMap ? { shuffleMap: true } : {}),
  };
}

function scheduler(): { ts: TaskScheduler; failures: { stageId: number; name: string }[] } {
  const failures: { stageId: number; name: string }[] = [];
  const listener = {
    taskSucceeded: () => undefined,
    taskSetFailed: (stageId: number, _attempt: number, _partition: number, _failures: number, error: { name: string }) =>
      failures.push({ stageId, name: error.name }),
  };
  const ts = new TaskScheduler(new IdleBackend(), 1, listener, silentLogger(), 0, () => 0);
  ts.setMaxResultBytes(100);
  return { ts, failures };
}

/** Launches every pending task on one executor with enough slots; returns their task ids. */
function launchAll(ts: TaskScheduler, n: number): number[] {
  return ts.resourceOffers([{ executorId: 'e1', freeSlots: n, host: 'h1' }]).map((l) => decodeTask(l.task).taskId);
}

describe('canFetchResult and spark.driver.maxResultSize', () => {
  it("counts result tasks' bytes and aborts the task set past the limit", () => {
    const { ts, failures } = scheduler();
    ts.submitTasks(taskSet(1, 2, false));
    const [a, b] = launchAll(ts, 2);
    expect(ts.canFetchResult(a!, 80)).toBe(true);
    expect(ts.canFetchResult(b!, 80)).toBe(false);
    expect(failures).toEqual([{ stageId: 1, name: 'MaxResultSizeExceeded' }]);
  });

  it("does not count a shuffle map stage's results", () => {
    const { ts, failures } = scheduler();
    ts.submitTasks(taskSet(2, 3, true));
    const ids = launchAll(ts, 3);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(ts.canFetchResult(id, 80)).toBe(true);
    expect(failures).toEqual([]);
  });
});
