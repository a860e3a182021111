import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../../src/core/context.js';
import { ExecutorState } from '../../../../src/core/executor/executor-state.js';
import type { TaskResult } from '../../../../src/core/executor/task-result.js';
import { runTask } from '../../../../src/core/executor/task-runner.js';
import type {
  SchedulerBackend,
  SchedulerBackendClient,
  TaskLaunch,
} from '../../../../src/core/scheduler/backend.js';
import { decodeStageBinary, decodeTask } from '../../../../src/core/scheduler/task-codec.js';
import { tempDir } from '../../../support/temp-dir.js';
import { expectSchedulerIdle } from '../engine/helpers.js';

/**
 * The DAGScheduler's recovery from lost map outputs, driven by a real
 * SparkContext through a fake backend written here: two in-process
 * "executors" (each its own ExecutorState and directory) that run tasks with
 * the engine's own task runner. Reducers read map outputs from the files; the
 * tests delete an executor's shuffle files (a fetch fails for real) or
 * declare an executor lost, and check which map tasks run again and that the
 * answer is right.
 */

interface Launched {
  executorId: string;
  stageId: number;
  stageAttempt: number;
  partition: number;
  kind: 'map' | 'result';
}

class TwoExecutorBackend implements SchedulerBackend {
  private client: SchedulerBackendClient | undefined;
  private readonly executors = new Map<string, { state: ExecutorState; dir: string; running: number }>();
  private revive = false;
  readonly launched: Launched[] = [];
  readonly results: { executorId: string; result: TaskResult }[] = [];
  /** Called before a task runs; may lose executors. */
  beforeTask?: (l: Launched) => void;
  /** Called after a task ran, before the driver hears of it; may replace the result. */
  afterTask?: (l: Launched, r: TaskResult) => TaskResult;
  /** Called at the start of each offer round, before free executors are listed; may lose executors. */
  beforeOffers?: () => void;

  constructor(dir: string) {
    for (const id of ['a', 'b']) {
      const execDir = join(dir, `executor-${id}`);
      this.executors.set(id, {
        dir: execDir,
        running: 0,
        state: new ExecutorState({
          executorId: id,
          conf: {},
          localDir: execDir,
          taskMemoryBytes: 64 << 20,
          storageMemoryBytes: 16 << 20,
        }),
      });
    }
  }

  async start(client: SchedulerBackendClient): Promise<void> {
    this.client = client;
  }
  defaultParallelism(): number {
    return 2;
  }
  reviveOffers(): void {
    if (this.revive) return;
    this.revive = true;
    setImmediate(() => {
      this.revive = false;
      this.beforeOffers?.();
      const offers = [...this.executors]
        .filter(([, e]) => e.running === 0)
        .map(([executorId]) => ({ executorId, freeSlots: 1 }));
      if (offers.length > 0) for (const l of this.client!.resourceOffers(offers)) void this.run(l);
    });
  }

  /**
   * Tells the driver the executor is gone, as the cluster backend would (its files deleted
   * with it), or as the local backend would for a worker thread (files kept on the shared disk).
   */
  lose(executorId: string, shuffleFilesLost = true): void {
    const e = this.executors.get(executorId)!;
    this.executors.delete(executorId);
    if (shuffleFilesLost) rmSync(e.dir, { recursive: true, force: true });
    this.client!.executorLost(executorId, 'killed by the test', { shuffleFilesLost });
  }

  /** Deletes an executor's shuffle files; the executor stays (a reducer's read of them fails). */
  deleteShuffleFiles(executorId: string): void {
    rmSync(join(this.executors.get(executorId)!.dir, 'shuffle'), { recursive: true, force: true });
  }

  private async run(l: TaskLaunch): Promise<void> {
    const e = this.executors.get(l.executorId);
    if (!e) return;
    e.running++;
    const task = decodeTask(l.task);
    const binary = decodeStageBinary(l.binary);
    const info: Launched = {
      executorId: l.executorId,
      stageId: task.stageId,
      stageAttempt: task.stageAttempt,
      partition: task.partition.index,
      kind: binary.shuffleWrite ? 'map' : 'result',
    };
    this.launched.push(info);
    this.beforeTask?.(info);
    let result = await runTask(task, binary, e.state);
    e.running--;
    if (!this.executors.has(l.executorId)) return; // lost meanwhile: the driver already failed the task
    result = this.afterTask?.(info, result) ?? result;
    this.results.push({ executorId: l.executorId, result });
    this.client!.statusUpdate(l.executorId, result);
    this.reviveOffers();
  }

  registerBroadcast(): void {}
  removeBroadcast(): void {}
  releaseBinary(): void {}
  removeRdd(): void {}
  async stop(): Promise<void> {}
}

const contexts: SparkContext[] = [];
afterEach(async () => {
  for (const sc of contexts.splice(0)) await sc.stop();
});

function newContext(conf: Record<string, string> = {}): {
  sc: SparkContext;
  backend: TwoExecutorBackend;
  messages: string[];
} {
  const dir = tempDir('tspark-fetch-failure-');
  const backend = new TwoExecutorBackend(dir);
  const messages: string[] = [];
  const sc = new SparkContext({
    master: 'local-cluster[2,1,512]',
    appName: 'fetch-failure-test',
    progress: false,
    logger: pino(
      { level: 'info' },
      { write: (line: string) => void messages.push(String(JSON.parse(line).msg)) },
    ),
    conf: { 'spark.local.dir': dir, 'spark.task.maxFailures': '1', ...conf },
    backendFactory: () => backend,
  });
  contexts.push(sc);
  return { sc, backend, messages };
}

const N = 2000;
const MAPS = 6;

function expectedSums(): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < N; i++) m.set(i % 13, (m.get(i % 13) ?? 0) + i);
  return m;
}

function sumsJob(sc: SparkContext): Promise<[number, number][]> {
  return sc
    .parallelize(
      Array.from({ length: N }, (_, i) => i),
      MAPS,
    )
    .map((x: number) => [x % 13, x] as [number, number])
    .reduceByKey((a: number, b: number) => a + b, 3)
    .collect();
}

/** Map partitions each executor completed in the first attempt of the map stage. */
function firstMapOutputs(backend: TwoExecutorBackend): Map<string, number[]> {
  const byExecutor = new Map<string, number[]>();
  for (const l of backend.launched.filter((x) => x.kind === 'map' && x.stageAttempt === 0)) {
    byExecutor.set(l.executorId, [...(byExecutor.get(l.executorId) ?? []), l.partition]);
  }
  return byExecutor;
}

describe('DAGScheduler: lost map outputs are recomputed', () => {
  it('a FetchFailed result reruns the lost map tasks, then the reduce stage, and the job returns the right answer', async () => {
    const { sc, backend } = newContext();
    let deleted = false;
    backend.beforeTask = (l) => {
      // the map stage is done: executor b's shuffle files vanish before the first reducer reads
      if (l.kind === 'result' && !deleted) {
        deleted = true;
        backend.deleteShuffleFiles('b');
      }
    };
    const result = await sumsJob(sc);
    expect(new Map(result)).toEqual(expectedSums());

    const fetchFailures = backend.results.filter((r) => !r.result.ok && r.result.fetchFailed);
    expect(fetchFailures.length).toBeGreaterThan(0);
    const failure = (fetchFailures[0]!.result as Extract<TaskResult, { ok: false }>).fetchFailed!;
    expect(failure.executorId).toBe('b');
    expect(failure.shuffleId).toBe(0);

    const first = firstMapOutputs(backend);
    const onB = (first.get('b') ?? []).sort();
    expect(onB.length).toBeGreaterThan(0);
    // exactly b's map tasks ran again, in a later attempt of the map stage
    const rerun = backend.launched.filter((l) => l.kind === 'map' && l.stageAttempt > 0);
    expect(rerun.map((l) => l.partition).sort()).toEqual(onB);
    // and the reduce stage ran again after them
    const mapStageId = rerun[0]!.stageId;
    const lastRerunIndex = backend.launched.lastIndexOf(rerun.at(-1)!);
    const laterReducers = backend.launched.slice(lastRerunIndex + 1).filter((l) => l.kind === 'result');
    expect(laterReducers.length).toBeGreaterThan(0);
    expect(laterReducers.every((l) => l.stageAttempt > 0 && l.stageId !== mapStageId)).toBe(true);
    expectSchedulerIdle(sc);
  });

  it('an executor lost after the map stage: its map outputs are recomputed on the other one before the reducers run', async () => {
    const { sc, backend, messages } = newContext();
    let lost = false;
    // Executor b dies in the first offer round after the driver has every map output, before any
    // reducer is offered. Losing it from a timer raced with that round: a reducer launched on b
    // could be writing in b's directory while the test deleted it (rmSync failed, ENOTEMPTY).
    backend.beforeOffers = () => {
      const mapsDone = backend.results.filter((x) => x.result.ok && x.result.mapOutput).length;
      if (!lost && mapsDone === MAPS) {
        lost = true;
        backend.lose('b');
      }
    };
    const result = await sumsJob(sc);
    expect(new Map(result)).toEqual(expectedSums());

    const first = firstMapOutputs(backend);
    const onB = (first.get('b') ?? []).sort();
    expect(onB.length).toBeGreaterThan(0);
    const rerun = backend.launched.filter((l) => l.kind === 'map' && l.stageAttempt > 0);
    expect(rerun.map((l) => l.partition).sort()).toEqual(onB);
    expect(rerun.every((l) => l.executorId === 'a')).toBe(true);
    // no reducer ever ran on b
    expect(backend.launched.filter((l) => l.kind === 'result').every((l) => l.executorId === 'a')).toBe(true);
    // recovered through the executor loss itself: the scheduler never had to act on a fetch failure
    expect(
      messages.some((m) => /^Executor b lost: its map outputs of shuffles 0 will be recomputed/.test(m)),
    ).toBe(true);
    expect(messages.filter((m) => /could not fetch/.test(m))).toEqual([]);
    // a later job finds the shuffle complete again on executor a
    const again = await sc
      .parallelize([1, 2, 3], 3)
      .map((x: number) => x * 2)
      .collect();
    expect(again).toEqual([2, 4, 6]);
    expectSchedulerIdle(sc);
  });

  it('a lost local worker thread (files on the shared disk) keeps its map outputs: nothing is recomputed', async () => {
    const { sc, backend } = newContext();
    let lost = false;
    // Executor b goes in the first offer round after the driver has every map output, so before
    // any reducer can be offered to it (losing it from a timer instead raced with that round).
    backend.beforeOffers = () => {
      const mapsDone = backend.results.filter((x) => x.result.ok && x.result.mapOutput).length;
      if (!lost && mapsDone === MAPS) {
        lost = true;
        backend.lose('b', false);
      }
    };
    const result = await sumsJob(sc);
    expect(new Map(result)).toEqual(expectedSums());
    expect(lost).toBe(true);
    expect((firstMapOutputs(backend).get('b') ?? []).length).toBeGreaterThan(0);
    expect(backend.launched.filter((l) => l.kind === 'map')).toHaveLength(MAPS);
    expect(backend.launched.filter((l) => l.kind === 'result').every((l) => l.executorId === 'a')).toBe(true);
    expectSchedulerIdle(sc);
  });

  it('fails the job with a clear message after spark.stage.maxConsecutiveAttempts attempts ended by fetch failures', async () => {
    const { sc, backend } = newContext({ 'spark.stage.maxConsecutiveAttempts': '3' });
    // every reducer reports that it could not fetch map 0 of executor a
    backend.afterTask = (l, r) =>
      l.kind === 'result'
        ? {
            taskId: r.taskId,
            ok: false,
            error: { name: 'FetchFailedError', message: 'connection refused (injected)' },
            metrics: { runMs: 0 },
            fetchFailed: { shuffleId: 0, mapId: 0, reduceId: l.partition, executorId: 'a' },
          }
        : r;
    const err = (await sumsJob(sc).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/failed 3 consecutive attempts because map outputs could not be fetched/);
    expect(err.message).toContain('spark.stage.maxConsecutiveAttempts = 3');
    expect(err.message).toContain('connection refused (injected)');
    // three attempts of the reduce stage ran, and nothing of the job is left behind
    const reduceAttempts = new Set(
      backend.launched.filter((l) => l.kind === 'result').map((l) => l.stageAttempt),
    );
    expect([...reduceAttempts].sort()).toEqual([0, 1, 2]);
    // a fetch failure is not a task failure: spark.task.maxFailures = 1 did not end the job at the first one
    expect(backend.results.filter((r) => !r.result.ok).length).toBeGreaterThanOrEqual(3);
    expectSchedulerIdle(sc);
  });
});
