import { describe, expect, it } from 'vitest';
import { TaskSetManager } from '../../../../src/core/scheduler/task-set-manager.js';
import type { TaskSet } from '../../../../src/core/scheduler/task-set.js';

function taskSet(prefs: string[][]): TaskSet {
  return {
    stageId: 1,
    stageAttempt: 0,
    priority: 0,
    binaryId: 0,
    binary: Buffer.alloc(0),
    broadcastIds: [],
    tasks: prefs.map((p, index) => ({ partition: { index }, preferredExecutors: p })),
  };
}

const ok = (taskId: number) => ({ taskId, ok: true as const, accumUpdates: [], cachedBlocks: [], metrics: { runMs: 1 } });
const failed = (taskId: number) => ({ taskId, ok: false as const, error: { name: 'Error', message: 'boom' }, metrics: { runMs: 1 } });

describe('TaskSetManager', () => {
  it('gives tasks to the executor holding their input, waits for it, then runs them anywhere', () => {
    let now = 0;
    const tsm = new TaskSetManager(taskSet([['e1'], ['e1'], []]), 1, { taskSucceeded: () => undefined, taskSetFailed: () => undefined }, 3000, () => now);
    // e2 gets the task without preference, not the ones waiting for e1
    expect(tsm.resourceOffer('e2', 0, 0)?.partition.index).toBe(2);
    expect(tsm.resourceOffer('e2', 1, 0)).toBeUndefined();
    expect(tsm.localityDeadline).toBe(3000);
    expect(tsm.resourceOffer('e1', 2, 0)?.partition.index).toBe(0);
    now = 2999;
    expect(tsm.resourceOffer('e2', 3, 0)).toBeUndefined(); // the local launch at 0 restarted the wait
    now = 3000;
    expect(tsm.resourceOffer('e2', 4, 0)?.partition.index).toBe(1);
    expect(tsm.hasPending).toBe(false);
  });

  it('re-queues a failed task and gives up after maxFailures, reporting partition and count', () => {
    const failures: [number, number][] = [];
    const succeeded: number[] = [];
    const tsm = new TaskSetManager(
      taskSet([[], []]),
      2,
      { taskSucceeded: (_m, p) => succeeded.push(p), taskSetFailed: (_m, p, n) => failures.push([p, n]) },
    );
    const a = tsm.resourceOffer('e', 10, 0)!;
    const b = tsm.resourceOffer('e', 11, 0)!;
    expect([a.partition.index, b.partition.index]).toEqual([0, 1]);
    tsm.handleResult(ok(10));
    tsm.handleResult(failed(11));
    const retry = tsm.resourceOffer('e', 12, 0)!;
    expect(retry.partition.index).toBe(1);
    expect(retry.attempt).toBe(1);
    tsm.handleResult(failed(12));
    expect(failures).toEqual([[1, 2]]);
    expect(succeeded).toEqual([0]);
    expect(tsm.isDone).toBe(true);
    expect(tsm.resourceOffer('e', 13, 0)).toBeUndefined();
  });

  it('counts a partition once even if a duplicate result arrives', () => {
    const succeeded: number[] = [];
    const tsm = new TaskSetManager(taskSet([[]]), 1, { taskSucceeded: (_m, p) => succeeded.push(p), taskSetFailed: () => undefined });
    tsm.resourceOffer('e', 1, 0);
    tsm.handleResult(ok(1));
    tsm.handleResult(ok(1));
    expect(succeeded).toEqual([0]);
  });
});
