import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../../src/core/context.js';
import { preferredHosts } from '../../../../src/core/rdd/preferred-locations.js';
import type {
  ExecutorOffer,
  SchedulerBackend,
  SchedulerBackendClient,
  TaskLaunch,
} from '../../../../src/core/scheduler/backend.js';
import { decodeTask } from '../../../../src/core/scheduler/task-codec.js';
import { TaskScheduler } from '../../../../src/core/scheduler/task-scheduler.js';
import { TaskSetManager } from '../../../../src/core/scheduler/task-set-manager.js';
import type { TaskSet } from '../../../../src/core/scheduler/task-set.js';
import { silentLogger } from '../../../../src/log.js';
import { tempDir } from '../../../support/temp-dir.js';

/**
 * Node-level locality (HDFS block hosts) with Spark's delay scheduling, on a fake
 * clock: a task prefers executors on its block's hosts for spark.locality.wait,
 * then runs anywhere; a task whose hosts have no executor does not wait.
 */

const WAIT = 3000;

function taskSet(hosts: string[][], executors: string[][] = []): TaskSet {
  return {
    stageId: 1,
    stageAttempt: 0,
    priority: 0,
    binaryId: 0,
    binary: Buffer.alloc(0),
    broadcastIds: [],
    tasks: hosts.map((h, index) => ({
      partition: { index },
      preferredExecutors: executors[index] ?? [],
      preferredHosts: h,
    })),
  };
}

const callbacks = { taskSucceeded: () => undefined, taskSetFailed: () => undefined };

describe('TaskSetManager host locality', () => {
  it('gives a task to an executor on its block host, holds it for the wait, then runs it anywhere', () => {
    let now = 0;
    const alive = new Set(['h1', 'h2']);
    const tsm = new TaskSetManager(
      taskSet([['h1'], ['h2', 'h3'], []]),
      1,
      callbacks,
      WAIT,
      () => now,
      (h) => alive.has(h),
    );
    // an executor on h2 takes the task whose block is on h2, then the task without preference
    expect(tsm.resourceOffer('e2', 0, 0, 'h2')?.partition.index).toBe(1);
    expect(tsm.resourceOffer('e2', 1, 0, 'h2')?.partition.index).toBe(2);
    // the h1 task waits for h1 while the wait runs (measured from the last local launch, at 0)
    now = WAIT - 1;
    expect(tsm.resourceOffer('e2', 2, 0, 'h2')).toBeUndefined();
    expect(tsm.localityDeadline).toBe(WAIT);
    now = WAIT;
    expect(tsm.resourceOffer('e2', 3, 0, 'h2')?.partition.index).toBe(0);
    expect(tsm.hasPending).toBe(false);
  });

  it('an executor on the host wins over the wait: the h1 task goes to e1 at once', () => {
    const now = 0;
    const tsm = new TaskSetManager(
      taskSet([['h1'], ['h1']]),
      1,
      callbacks,
      WAIT,
      () => now,
      (h) => h === 'h1',
    );
    expect(tsm.resourceOffer('e9', 0, 0, 'h9')).toBeUndefined();
    expect(tsm.resourceOffer('e1', 1, 0, 'h1')?.partition.index).toBe(0);
    expect(tsm.resourceOffer('e1', 2, 0, 'h1')?.partition.index).toBe(1);
  });

  it('does not wait for hosts where no executor runs', () => {
    const now = 0;
    const tsm = new TaskSetManager(
      taskSet([['dn1'], ['dn2']]),
      1,
      callbacks,
      WAIT,
      () => now,
      () => false,
    );
    expect(tsm.resourceOffer('e1', 0, 0, 'h1')?.partition.index).toBe(0);
    expect(tsm.resourceOffer('e1', 1, 0, 'h1')?.partition.index).toBe(1);
  });

  it('prefers the executor holding a cached block over another executor on the same host', () => {
    const now = 0;
    const tsm = new TaskSetManager(
      taskSet([['h1'], ['h1']], [[], ['e1']]),
      1,
      callbacks,
      WAIT,
      () => now,
      () => true,
    );
    expect(tsm.resourceOffer('e1', 0, 0, 'h1')?.partition.index).toBe(1);
    expect(tsm.resourceOffer('e2', 1, 0, 'h1')?.partition.index).toBe(0);
  });
});

class FakeBackend implements SchedulerBackend {
  revives = 0;
  async start(): Promise<void> {}
  defaultParallelism(): number {
    return 2;
  }
  reviveOffers(): void {
    this.revives++;
  }
  registerBroadcast(): void {}
  removeBroadcast(): void {}
  releaseBinary(): void {}
  removeRdd(): void {}
  async stop(): Promise<void> {}
}

describe('TaskScheduler host locality', () => {
  const listener = { taskSucceeded: () => undefined, taskSetFailed: () => undefined };

  /** executor -> partition launched there */
  function placement(launches: TaskLaunch[]): Map<string, number> {
    return new Map(launches.map((l) => [l.executorId, decodeTask(l.task).partition.index]));
  }

  it('learns executor hosts from offers and sends each task to the executor on its host', () => {
    const now = 0;
    const ts = new TaskScheduler(new FakeBackend(), 1, listener, silentLogger(), WAIT, () => now);
    ts.submitTasks(taskSet([['hA'], ['hB']]));
    // one slot each: task 0 (block on hA) must go to eA, task 1 to eB, although eB is offered first
    const launches = ts.resourceOffers([
      { executorId: 'eB', freeSlots: 1, host: 'hB' },
      { executorId: 'eA', freeSlots: 1, host: 'hA' },
    ]);
    expect(placement(launches)).toEqual(
      new Map([
        ['eA', 0],
        ['eB', 1],
      ]),
    );
  });

  it('holds a task for its host while that host has an executor, and not after the executor is lost', () => {
    let now = 0;
    const ts = new TaskScheduler(new FakeBackend(), 1, listener, silentLogger(), WAIT, () => now);
    // both executors known (offered once, busy)
    expect(
      ts.resourceOffers([
        { executorId: 'eA', freeSlots: 0, host: 'hA' },
        { executorId: 'eB', freeSlots: 0, host: 'hB' },
      ]),
    ).toEqual([]);
    ts.submitTasks(taskSet([['hA']]));
    now = 1000;
    expect(ts.resourceOffers([{ executorId: 'eB', freeSlots: 1, host: 'hB' }])).toEqual([]);
    ts.executorLost('eA', 'killed');
    const launches = ts.resourceOffers([{ executorId: 'eB', freeSlots: 1, host: 'hB' }]);
    expect(launches.map((l) => l.executorId)).toEqual(['eB']);
  });

  it('after spark.locality.wait the task runs on another host', () => {
    let now = 0;
    const ts = new TaskScheduler(new FakeBackend(), 1, listener, silentLogger(), WAIT, () => now);
    expect(ts.resourceOffers([{ executorId: 'eA', freeSlots: 0, host: 'hA' }])).toEqual([]);
    ts.submitTasks(taskSet([['hA']]));
    now = WAIT - 1;
    expect(ts.resourceOffers([{ executorId: 'eB', freeSlots: 1, host: 'hB' }])).toEqual([]);
    now = WAIT;
    expect(
      ts.resourceOffers([{ executorId: 'eB', freeSlots: 1, host: 'hB' }]).map((l) => l.executorId),
    ).toEqual(['eB']);
  });
});

describe("TaskScheduler: pending tasks' preferred hosts (for placing new executors)", () => {
  const listener = { taskSucceeded: () => undefined, taskSetFailed: () => undefined };

  it('counts pending tasks per preferred host, a task with several hosts once in the total and once per host', () => {
    const now = 0;
    const ts = new TaskScheduler(new FakeBackend(), 4, listener, silentLogger(), WAIT, () => now);
    expect(ts.localityPreferences()).toEqual({ numLocalityAwareTasks: 0, hostToLocalTaskCount: {} });
    ts.submitTasks(taskSet([['hA'], ['hA', 'hB'], [], ['hB']]));
    expect(ts.localityPreferences()).toEqual({
      numLocalityAwareTasks: 3,
      hostToLocalTaskCount: { hA: 2, hB: 2 },
    });
    // a launched task is no longer pending
    const launches = ts.resourceOffers([{ executorId: 'eA', freeSlots: 1, host: 'hA' }]);
    expect(launches).toHaveLength(1);
    const launched = decodeTask(launches[0]!.task).partition.index;
    expect(launched === 0 || launched === 1).toBe(true);
    const after = ts.localityPreferences();
    expect(after.numLocalityAwareTasks).toBe(2);
    expect(after.hostToLocalTaskCount.hA).toBe(1);
  });

  it("a task whose input an executor caches counts for that executor's host; a lost executor's tasks count again", () => {
    const now = 0;
    const ts = new TaskScheduler(new FakeBackend(), 4, listener, silentLogger(), WAIT, () => now);
    expect(ts.resourceOffers([{ executorId: 'e1', freeSlots: 0, host: 'hC' }])).toEqual([]);
    ts.submitTasks(taskSet([[], ['hA']], [['e1'], []]));
    expect(ts.localityPreferences()).toEqual({
      numLocalityAwareTasks: 2,
      hostToLocalTaskCount: { hC: 1, hA: 1 },
    });
    const launches = ts.resourceOffers([{ executorId: 'e2', freeSlots: 1, host: 'hA' }]);
    expect(launches.map((l) => decodeTask(l.task).partition.index)).toEqual([1]);
    expect(ts.localityPreferences().hostToLocalTaskCount).toEqual({ hC: 1 });
    // e2 dies with task 1: it is pending again and prefers hA
    ts.executorLost('e2', 'killed');
    expect(ts.localityPreferences().hostToLocalTaskCount).toEqual({ hC: 1, hA: 1 });
  });
});

describe('preferred hosts of RDD partitions', () => {
  const dir = tempDir('tspark-locality-');
  const sc = new SparkContext({ master: 'local[1]', appName: 'locality', progress: false, env: {} });
  afterAll(async () => {
    await sc.stop();
  });

  it('textFile partitions carry their block hosts, inherited through narrow transformations but not across a shuffle', async () => {
    const file = join(dir, 'in.txt');
    writeFileSync(file, 'a b\nc d\n');
    const mapped = sc.textFile(file, 1).map((l: string) => l.length);
    const shuffled = mapped
      .map((n: number) => [n, 1] as [number, number])
      .reduceByKey((a: number, b: number) => a + b);
    await shuffled.getNumPartitions();
    // the local file system reports one block on 'localhost'
    expect(preferredHosts(mapped, 0)).toEqual(['localhost']);
    expect(preferredHosts(shuffled, 0)).toEqual([]);
  });
});

/** A backend whose offers the test makes by hand, recording what the scheduler launches. */
class HandOfferBackend implements SchedulerBackend {
  client: SchedulerBackendClient | undefined;
  private revived: (() => void) | undefined;
  readonly firstRevive = new Promise<void>((resolve) => (this.revived = resolve));
  async start(client: SchedulerBackendClient): Promise<void> {
    this.client = client;
  }
  offer(offers: ExecutorOffer[]): TaskLaunch[] {
    return this.client!.resourceOffers(offers);
  }
  defaultParallelism(): number {
    return 2;
  }
  reviveOffers(): void {
    this.revived?.();
  }
  registerBroadcast(): void {}
  removeBroadcast(): void {}
  releaseBinary(): void {}
  removeRdd(): void {}
  async stop(): Promise<void> {}
}

describe('a textFile job on executors with hosts', () => {
  it("runs each split on an executor of its block's host, and elsewhere only after spark.locality.wait", async () => {
    const file = join(tempDir('tspark-locality-job-'), 'in.txt');
    writeFileSync(file, `${'x'.repeat(49)}\n${'y'.repeat(49)}\n`);
    let now = 0;
    const backend = new HandOfferBackend();
    const sc = new SparkContext({
      master: 'local-cluster[2,1,512]',
      appName: 'locality-job',
      progress: false,
      env: {},
      clock: () => now,
      backendFactory: () => backend,
    });
    const job = sc.textFile(file, 2).count();
    job.catch(() => undefined);
    await backend.firstRevive;
    // the local file system puts both splits' block on 'localhost', where only eA runs
    const first = backend.offer([
      { executorId: 'eB', freeSlots: 1, host: 'elsewhere' },
      { executorId: 'eA', freeSlots: 1, host: 'localhost' },
    ]);
    expect(first.map((l) => [l.executorId, decodeTask(l.task).partition.index])).toEqual([['eA', 0]]);
    now = WAIT - 1;
    expect(backend.offer([{ executorId: 'eB', freeSlots: 1, host: 'elsewhere' }])).toEqual([]);
    now = WAIT;
    const late = backend.offer([{ executorId: 'eB', freeSlots: 1, host: 'elsewhere' }]);
    expect(late.map((l) => [l.executorId, decodeTask(l.task).partition.index])).toEqual([['eB', 1]]);
    await sc.stop();
    await expect(job).rejects.toThrow();
  });
});
