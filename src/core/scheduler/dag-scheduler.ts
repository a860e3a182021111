import type { Logger } from '../../log.js';
import type { ShippedFunction, FunctionSpec } from '../closure/shipped-function.js';
import type { AccumulatorKind } from '../executor/accumulator-updates.js';
import type { FetchFailure, RemoteError, TaskMetrics, TaskResult } from '../executor/task-result.js';
import type { ShuffleDependency } from '../rdd/dependency.js';
import type { RDD } from '../rdd/rdd.js';
import { preferredHosts } from '../rdd/preferred-locations.js';
import type { ResultOp, StageBinary } from '../rdd/spec.js';
import type { SpecContext } from '../rdd/spec-context.js';
import { ContextStoppedError, JobFailedError } from './errors.js';
import { MapOutputTracker } from './map-output-tracker.js';
import { ResultStage, ShuffleMapStage, type Stage } from './stage.js';
import { encodeStageBinary } from './task-codec.js';
import type { TaskScheduler, TaskSchedulerListener } from './task-scheduler.js';
import type { PendingTask } from './task-set.js';

/**
 * Turns actions into jobs and jobs into stages (Spark's DAGScheduler).
 *
 * It is an event loop: job submissions, task completions and task-set
 * failures are posted as events and handled one at a time, to completion,
 * in arrival order; a handler never awaits. Events posted while a handler
 * runs are queued behind it.
 *
 * Invariants (check these when changing this file):
 * 1. A job's stages are cut at shuffle dependencies; narrow dependencies stay
 *    inside a stage. Each shuffle has at most one ShuffleMapStage at a time
 *    (`shuffleIdToMapStage`), shared by every job that needs it.
 * 2. A stage is submitted only when all its parent stages' outputs are
 *    available; otherwise the missing parents are submitted first and the
 *    stage waits in `waitingStages`. A stage is in at most one of
 *    waiting/running/failed (`failedStages`: waiting for the resubmission
 *    timer after a fetch failure or a lost executor).
 * 3. Map outputs live in the MapOutputTracker, not in stages: they outlive
 *    jobs, so a later job whose shuffle is complete skips that stage. Outputs
 *    of a lost executor, or one a reducer could not fetch, are dropped there;
 *    the map stage then runs again for the missing map ids only.
 * 4. A ResultStage belongs to exactly one job; the job finishes when every
 *    partition it asked for has a result, each counted once.
 * 5. When a job ends (success or failure), every stage no other job uses is
 *    removed from every map: after the last job, `debugState()` is all zeros
 *    except `shuffles` (kept outputs).
 * 6. Accumulator updates are merged once per successful task (a result
 *    stage's partition counts once even if a speculative duplicate succeeds).
 * 7. A job fails with a JobFailedError naming the stage, the partition and
 *    the user's error (message and stack) from the last failed attempt.
 * 8. A fetch failure is not a task failure: it ends the stage attempt, is
 *    ignored when it comes from an older attempt, and counts towards
 *    `maxConsecutiveStageAttempts` (reset when the stage completes).
 */

export interface JobListener {
  onJobStart?(jobId: number, callSite: string, stageIds: number[]): void;
  onStageSubmitted?(stageId: number, attempt: number, numTasks: number, name: string): void;
  onTaskEnd?(stageId: number, succeeded: boolean): void;
  onStageCompleted?(stageId: number, failed: boolean): void;
  onJobEnd?(jobId: number, succeeded: boolean): void;
}

export interface DAGSchedulerHooks {
  mergeAccumulators(updates: { id: number; kind: AccumulatorKind; value: unknown }[]): void;
  blocksCached(executorId: string, blocks: { rddId: number; partition: number }[]): void;
  /** Executors holding a cached block of this RDD partition. */
  cacheLocations(rddId: number, partition: number): readonly string[];
  moduleUrls(): string[];
  /** Metrics of each successful task. */
  taskMetrics?(stageId: number, metrics: TaskMetrics): void;
  /** A shuffle got a map stage (its outputs will exist): the context cleaner watches its dependency. */
  shuffleRegistered?(dep: ShuffleDependency): void;
  now(): number;
}

export interface DAGSchedulerOptions {
  /** spark.stage.maxConsecutiveAttempts: attempts of a stage ended by fetch failures before its jobs fail. */
  maxConsecutiveStageAttempts?: number;
  /** Delay before failed stages are resubmitted, so that the fetch failures of one loss arrive together (Spark: 200 ms). */
  resubmitDelayMs?: number;
}

export const DEFAULT_MAX_CONSECUTIVE_STAGE_ATTEMPTS = 4;
export const DEFAULT_RESUBMIT_DELAY_MS = 200;

interface ActiveJob {
  jobId: number;
  callSite: string;
  finalStage: ResultStage;
  outputIndex: Map<number, number>;
  finished: boolean[];
  results: unknown[];
  numFinished: number;
  startedAt: number;
  resolve(results: unknown[]): void;
  reject(e: Error): void;
}

type DagEvent =
  | { type: 'jobSubmitted'; job: Omit<ActiveJob, 'finalStage' | 'outputIndex' | 'finished' | 'results' | 'numFinished'>; rdd: RDD<unknown>; op: (ctx: SpecContext) => ResultOp; partitions: number[] }
  | { type: 'taskSucceeded'; stageId: number; stageAttempt: number; partition: number; result: Extract<TaskResult, { ok: true }>; executorId: string }
  | { type: 'taskSetFailed'; stageId: number; stageAttempt: number; partition: number; failures: number; error: RemoteError }
  | { type: 'taskFetchFailed'; stageId: number; stageAttempt: number; partition: number; failure: FetchFailure; error: RemoteError }
  | { type: 'executorLost'; executorId: string; reason: string; shuffleFilesLost: boolean }
  | { type: 'resubmitFailedStages' };

export class DAGScheduler implements TaskSchedulerListener {
  private readonly queue: DagEvent[] = [];
  private processing = false;
  private stopped = false;
  private nextJobId = 0;
  private nextStageId = 0;
  private nextBinaryId = 0;

  private readonly jobIdToActiveJob = new Map<number, ActiveJob>();
  private readonly stageIdToStage = new Map<number, Stage>();
  private readonly shuffleIdToMapStage = new Map<number, ShuffleMapStage>();
  private readonly waitingStages = new Set<Stage>();
  private readonly runningStages = new Set<Stage>();
  /** Stages to resubmit when `resubmitTimer` fires. */
  private readonly failedStages = new Set<Stage>();
  /** Attempts of each stage ended by a fetch failure since it last completed. */
  private readonly fetchFailedAttempts = new Map<number, Set<number>>();
  private resubmitTimer: NodeJS.Timeout | undefined;
  readonly mapOutputTracker = new MapOutputTracker();
  private taskScheduler: TaskScheduler | undefined;
  private readonly maxConsecutiveStageAttempts: number;
  private readonly resubmitDelayMs: number;

  constructor(
    private readonly hooks: DAGSchedulerHooks,
    private readonly log: Logger,
    private readonly listener: JobListener = {},
    options: DAGSchedulerOptions = {},
  ) {
    this.maxConsecutiveStageAttempts = options.maxConsecutiveStageAttempts ?? DEFAULT_MAX_CONSECUTIVE_STAGE_ATTEMPTS;
    this.resubmitDelayMs = options.resubmitDelayMs ?? DEFAULT_RESUBMIT_DELAY_MS;
  }

  setTaskScheduler(ts: TaskScheduler): void {
    this.taskScheduler = ts;
  }

  /** Runs a job; `rdd` must be resolved. Resolves with one result per requested partition. */
  runJob<R>(rdd: RDD<unknown>, op: (ctx: SpecContext) => ResultOp, partitions: number[], callSite: string): Promise<R[]> {
    if (this.stopped) return Promise.reject(new ContextStoppedError(`Cannot run ${callSite}`));
    return new Promise<R[]>((resolve, reject) => {
      const jobId = this.nextJobId++;
      this.post({
        type: 'jobSubmitted',
        job: { jobId, callSite, startedAt: this.hooks.now(), resolve: resolve as (r: unknown[]) => void, reject },
        rdd,
        op,
        partitions,
      });
    });
  }

  taskSucceeded(stageId: number, stageAttempt: number, partition: number, result: Extract<TaskResult, { ok: true }>, executorId: string): void {
    this.post({ type: 'taskSucceeded', stageId, stageAttempt, partition, result, executorId });
  }

  taskSetFailed(stageId: number, stageAttempt: number, partition: number, failures: number, error: RemoteError): void {
    this.post({ type: 'taskSetFailed', stageId, stageAttempt, partition, failures, error });
  }

  taskFetchFailed(stageId: number, stageAttempt: number, partition: number, failure: FetchFailure, error: RemoteError): void {
    this.post({ type: 'taskFetchFailed', stageId, stageAttempt, partition, failure, error });
  }

  executorLost(executorId: string, reason: string, shuffleFilesLost: boolean): void {
    this.post({ type: 'executorLost', executorId, reason, shuffleFilesLost });
  }

  /**
   * Forgets a shuffle's map outputs (the context cleaner, once nothing
   * references it). Refused (false) while a running job has a stage for it.
   */
  removeShuffle(shuffleId: number): boolean {
    if (this.shuffleIdToMapStage.has(shuffleId)) return false;
    this.mapOutputTracker.unregisterShuffle(shuffleId);
    return true;
  }

  /** Fails every active job; no new jobs are accepted. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.resubmitTimer);
    this.resubmitTimer = undefined;
    for (const job of [...this.jobIdToActiveJob.values()]) this.failJob(job, new ContextStoppedError(`Job ${job.jobId} (${job.callSite}) cancelled`));
    this.mapOutputTracker.clear();
  }

  /** Sizes of internal structures: tests assert all are 0 between jobs (shuffles excepted). */
  debugState(): Record<string, number> {
    return {
      activeJobs: this.jobIdToActiveJob.size,
      stages: this.stageIdToStage.size,
      shuffleMapStages: this.shuffleIdToMapStage.size,
      waitingStages: this.waitingStages.size,
      runningStages: this.runningStages.size,
      failedStages: this.failedStages.size,
      fetchFailedAttempts: this.fetchFailedAttempts.size,
      queuedEvents: this.queue.length,
      shuffles: this.mapOutputTracker.size,
    };
  }

  // ---- event loop ------------------------------------------------------------

  private post(event: DagEvent): void {
    this.queue.push(event);
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const e = this.queue.shift()!;
        try {
          this.handle(e);
        } catch (err) {
          // a bug in a handler must not wedge the loop: fail what it touched
          this.log.error({ err }, `DAGScheduler failed handling ${e.type}`);
          if (e.type === 'jobSubmitted') e.job.reject(err as Error);
        }
      }
    } finally {
      this.processing = false;
    }
  }

  private handle(e: DagEvent): void {
    switch (e.type) {
      case 'jobSubmitted':
        return this.handleJobSubmitted(e);
      case 'taskSucceeded':
        return this.handleTaskSucceeded(e);
      case 'taskSetFailed':
        return this.handleTaskSetFailed(e);
      case 'taskFetchFailed':
        return this.handleTaskFetchFailed(e);
      case 'executorLost':
        return this.handleExecutorLost(e);
      case 'resubmitFailedStages':
        return this.handleResubmitFailedStages();
    }
  }

  private handleJobSubmitted(e: Extract<DagEvent, { type: 'jobSubmitted' }>): void {
    const { job: base, rdd, op, partitions } = e;
    let finalStage: ResultStage;
    try {
      const parents = this.parentStages(rdd, base.jobId);
      finalStage = new ResultStage(this.nextStageId++, rdd, parents, base.jobId, base.callSite, op, partitions);
      this.stageIdToStage.set(finalStage.id, finalStage);
      this.addJobToStages(finalStage, base.jobId);
    } catch (err) {
      base.reject(err as Error);
      return;
    }
    const job: ActiveJob = {
      ...base,
      finalStage,
      outputIndex: new Map(partitions.map((p, i) => [p, i])),
      finished: new Array<boolean>(partitions.length).fill(false),
      results: new Array<unknown>(partitions.length),
      numFinished: 0,
    };
    this.jobIdToActiveJob.set(job.jobId, job);
    this.log.info({ jobId: job.jobId }, `Starting job: ${job.callSite}`);
    this.log.info({ jobId: job.jobId, stageId: finalStage.id }, `Got job ${job.jobId} (${job.callSite}) with ${partitions.length} output partitions`);
    this.listener.onJobStart?.(job.jobId, job.callSite, [...this.stageIdToStage.values()].filter((s) => s.jobIds.has(job.jobId)).map((s) => s.id));
    if (partitions.length === 0) {
      this.finishJob(job);
      return;
    }
    this.submitStage(finalStage);
  }

  private handleTaskSucceeded(e: Extract<DagEvent, { type: 'taskSucceeded' }>): void {
    const stage = this.stageIdToStage.get(e.stageId);
    this.listener.onTaskEnd?.(e.stageId, true);
    if (!stage) return; // its job already ended
    this.hooks.taskMetrics?.(e.stageId, e.result.metrics);
    if (e.result.cachedBlocks.length > 0) this.hooks.blocksCached(e.executorId, e.result.cachedBlocks);
    if (stage instanceof ResultStage) {
      const job = this.jobIdToActiveJob.get(stage.firstJobId);
      if (!job) return;
      const oi = job.outputIndex.get(e.partition);
      if (oi === undefined || job.finished[oi]) return;
      this.hooks.mergeAccumulators(e.result.accumUpdates);
      job.finished[oi] = true;
      job.results[oi] = e.result.value;
      job.numFinished++;
      stage.pendingPartitions.delete(e.partition);
      if (job.numFinished === job.finished.length) {
        this.markStageFinished(stage);
        this.finishJob(job);
      }
      return;
    }
    const mapStage = stage as ShuffleMapStage;
    this.hooks.mergeAccumulators(e.result.accumUpdates);
    const out = e.result.mapOutput!;
    this.mapOutputTracker.registerMapOutput(mapStage.dep.shuffleId, e.partition, {
      executorId: e.executorId,
      dataPath: out.dataPath,
      indexPath: out.indexPath,
      partitionLengths: out.partitionLengths,
      ...(out.blockAddress ? { blockAddress: out.blockAddress } : {}),
    });
    mapStage.pendingPartitions.delete(e.partition);
    if (mapStage.pendingPartitions.size === 0 && this.runningStages.has(mapStage) && e.stageAttempt === mapStage.attempt) {
      this.markStageFinished(mapStage);
      if (!this.mapOutputTracker.isAvailable(mapStage.dep.shuffleId)) {
        this.submitStage(mapStage); // outputs lost meanwhile: run the missing ones again
      } else {
        this.submitWaitingChildren(mapStage);
      }
    }
  }

  private handleTaskSetFailed(e: Extract<DagEvent, { type: 'taskSetFailed' }>): void {
    const stage = this.stageIdToStage.get(e.stageId);
    if (!stage) return;
    this.listener.onTaskEnd?.(e.stageId, false);
    const message =
      `Job aborted due to stage failure: Task ${e.partition} in stage ${e.stageId}.${e.stageAttempt} failed ${e.failures} time${e.failures === 1 ? '' : 's'}, ` +
      `most recent failure: ${e.error.name}: ${e.error.message}`;
    this.log.error({ stageId: e.stageId, partition: e.partition }, message);
    this.runningStages.delete(stage);
    this.taskScheduler?.cancelStage(stage.id);
    this.listener.onStageCompleted?.(stage.id, true);
    for (const job of [...this.jobIdToActiveJob.values()]) {
      if (!stage.jobIds.has(job.jobId)) continue;
      this.failJob(job, new JobFailedError(`Job ${job.jobId} (${job.callSite}) aborted due to stage failure: Task ${e.partition} in stage ${e.stageId}.${e.stageAttempt} failed ${e.failures} time${e.failures === 1 ? '' : 's'}, most recent failure: ${e.error.name}: ${e.error.message}`, {
        jobId: job.jobId,
        stageId: e.stageId,
        partition: e.partition,
        remote: e.error,
      }));
    }
  }

  /**
   * A reducer could not read a map output (Spark's FetchFailed): end this
   * stage attempt, drop the lost outputs, and resubmit the map stage and then
   * this one after a short delay, unless the stage has failed this way too
   * often in a row.
   */
  private handleTaskFetchFailed(e: Extract<DagEvent, { type: 'taskFetchFailed' }>): void {
    const stage = this.stageIdToStage.get(e.stageId);
    this.listener.onTaskEnd?.(e.stageId, false);
    if (!stage) return;
    const f = e.failure;
    if (e.stageAttempt !== stage.attempt) {
      this.log.info({ stageId: stage.id }, `Ignoring fetch failure from stage ${stage.id}.${e.stageAttempt}: attempt ${stage.attempt} is the current one`);
      return;
    }
    const from = `shuffle ${f.shuffleId} map ${f.mapId} of executor ${f.executorId}${f.blockAddress ? ` (${f.blockAddress.host}:${f.blockAddress.port})` : ''}`;
    this.log.warn(
      { stageId: stage.id, shuffleId: f.shuffleId, mapId: f.mapId, executorId: f.executorId },
      `Stage ${stage.id}.${e.stageAttempt} (${stage.callSite}) failed: task ${e.partition} could not fetch ${from}: ${e.error.message}`,
    );
    this.endStageAttempt(stage);
    let attempts = this.fetchFailedAttempts.get(stage.id);
    if (!attempts) this.fetchFailedAttempts.set(stage.id, (attempts = new Set()));
    attempts.add(e.stageAttempt);
    if (attempts.size >= this.maxConsecutiveStageAttempts) {
      this.abortStage(
        stage,
        (job) =>
          `Job ${job.jobId} (${job.callSite}) aborted: stage ${stage.id} (${stage.callSite}) failed ${attempts.size} consecutive attempts ` +
          `because map outputs could not be fetched (spark.stage.maxConsecutiveAttempts = ${this.maxConsecutiveStageAttempts}); ` +
          `most recent failure: task ${e.partition} could not fetch ${from}: ${e.error.name}: ${e.error.message}`,
        e.partition,
        e.error,
      );
      return;
    }
    // Without an external shuffle service, a fetch failure means the executor's files are suspect: drop all of them (as Spark does).
    this.mapOutputTracker.unregisterMapOutput(f.shuffleId, f.mapId, f.executorId);
    const lostShuffles = this.mapOutputTracker.removeOutputsOnExecutor(f.executorId);
    this.log.info({ executorId: f.executorId, shuffles: lostShuffles }, `Map outputs of executor ${f.executorId} dropped (shuffles ${lostShuffles.join(', ') || f.shuffleId}); they will be recomputed`);
    const mapStage = this.shuffleIdToMapStage.get(f.shuffleId);
    this.markForResubmit(stage);
    if (mapStage) this.markForResubmit(mapStage);
  }

  /**
   * An executor is gone. When its map outputs went with it, drop them; running
   * stages reading those shuffles cannot finish, so their attempts end and
   * they are resubmitted behind the map stages that recompute the outputs.
   * Waiting stages need nothing: they are submitted through submitStage,
   * which submits any parent whose outputs are missing.
   */
  private handleExecutorLost(e: Extract<DagEvent, { type: 'executorLost' }>): void {
    if (!e.shuffleFilesLost) return;
    const lost = new Set(this.mapOutputTracker.removeOutputsOnExecutor(e.executorId));
    if (lost.size === 0) return;
    this.log.info({ executorId: e.executorId, shuffles: [...lost] }, `Executor ${e.executorId} lost: its map outputs of shuffles ${[...lost].join(', ')} will be recomputed`);
    for (const stage of [...this.runningStages]) {
      const readsLost = stage.parents.some((p) => p instanceof ShuffleMapStage && lost.has(p.dep.shuffleId));
      if (!readsLost) continue;
      this.log.info({ stageId: stage.id }, `Resubmitting stage ${stage.id} (${stage.callSite}): its input lost map outputs with executor ${e.executorId}`);
      this.endStageAttempt(stage);
      this.markForResubmit(stage);
    }
  }

  private handleResubmitFailedStages(): void {
    this.resubmitTimer = undefined;
    if (this.stopped || this.failedStages.size === 0) return;
    const stages = [...this.failedStages].sort((a, b) => a.firstJobId - b.firstJobId || a.id - b.id);
    this.failedStages.clear();
    this.log.info({ stageIds: stages.map((s) => s.id) }, `Resubmitting failed stages ${stages.map((s) => s.id).join(', ')}`);
    for (const s of stages) {
      if (!this.stageIdToStage.has(s.id)) continue;
      // outputs registered again meanwhile: nothing to rerun (its waiting children are in `stages` too)
      if (s instanceof ShuffleMapStage && this.isAvailable(s)) continue;
      this.submitStage(s);
    }
  }

  /** The running attempt of `stage` is over: no more tasks of it are launched, its results are ignored. */
  private endStageAttempt(stage: Stage): void {
    if (!this.runningStages.delete(stage)) return;
    this.taskScheduler?.cancelStage(stage.id);
    this.listener.onStageCompleted?.(stage.id, true);
  }

  private markForResubmit(stage: Stage): void {
    if (this.runningStages.has(stage) || this.waitingStages.has(stage)) return;
    this.failedStages.add(stage);
    if (this.resubmitTimer || this.stopped) return;
    this.resubmitTimer = setTimeout(() => this.post({ type: 'resubmitFailedStages' }), this.resubmitDelayMs);
    this.resubmitTimer.unref();
  }

  /** Fails every job that uses `stage`. */
  private abortStage(stage: Stage, message: (job: ActiveJob) => string, partition?: number, remote?: RemoteError): void {
    this.endStageAttempt(stage);
    for (const job of [...this.jobIdToActiveJob.values()]) {
      if (!stage.jobIds.has(job.jobId)) continue;
      this.failJob(
        job,
        new JobFailedError(message(job), {
          jobId: job.jobId,
          stageId: stage.id,
          ...(partition === undefined ? {} : { partition }),
          ...(remote ? { remote } : {}),
        }),
      );
    }
  }

  // ---- stages ------------------------------------------------------------------

  /** The shuffle dependencies reachable from `rdd` through narrow dependencies only. */
  private shuffleDepsOf(rdd: RDD<unknown>): ShuffleDependency[] {
    const deps: ShuffleDependency[] = [];
    const visited = new Set<RDD<unknown>>();
    const stack = [rdd];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (visited.has(r)) continue;
      visited.add(r);
      // a fully cached RDD needs nothing below it
      if (this.fullyCached(r)) continue;
      for (const d of r.dependencies) {
        if (d.kind === 'shuffle') deps.push(d);
        else stack.push(d.rdd);
      }
    }
    return deps;
  }

  private fullyCached(r: RDD<unknown>): boolean {
    if (r.storageLevel === 'NONE' || r.partitions.length === 0) return false;
    return r.partitions.every((p) => this.hooks.cacheLocations(r.id, p.index).length > 0);
  }

  private parentStages(rdd: RDD<unknown>, jobId: number): Stage[] {
    return this.shuffleDepsOf(rdd).map((d) => this.mapStageFor(d, jobId));
  }

  private mapStageFor(dep: ShuffleDependency, jobId: number): ShuffleMapStage {
    const existing = this.shuffleIdToMapStage.get(dep.shuffleId);
    if (existing) return existing;
    const parents = this.parentStages(dep.rdd, jobId);
    const stage = new ShuffleMapStage(this.nextStageId++, dep.rdd, parents, jobId, `shuffle ${dep.shuffleId}`, dep);
    this.stageIdToStage.set(stage.id, stage);
    this.shuffleIdToMapStage.set(dep.shuffleId, stage);
    this.mapOutputTracker.registerShuffle(dep.shuffleId, dep.rdd.partitions.length);
    this.hooks.shuffleRegistered?.(dep);
    return stage;
  }

  private addJobToStages(stage: Stage, jobId: number): void {
    if (stage.jobIds.has(jobId)) return;
    stage.jobIds.add(jobId);
    for (const p of stage.parents) this.addJobToStages(p, jobId);
  }

  private isAvailable(stage: Stage): boolean {
    return stage instanceof ShuffleMapStage && this.mapOutputTracker.isAvailable(stage.dep.shuffleId);
  }

  private submitStage(stage: Stage): void {
    if (this.waitingStages.has(stage) || this.runningStages.has(stage)) return;
    this.failedStages.delete(stage);
    const missing = stage.parents.filter((p) => !this.isAvailable(p));
    if (missing.length === 0) {
      this.submitMissingTasks(stage);
      return;
    }
    for (const p of missing.sort((a, b) => a.id - b.id)) this.submitStage(p);
    this.waitingStages.add(stage);
  }

  private submitWaitingChildren(parent: Stage): void {
    const ready = [...this.waitingStages].filter((s) => s.parents.includes(parent)).sort((a, b) => a.id - b.id);
    for (const s of ready) {
      this.waitingStages.delete(s);
      this.submitStage(s);
    }
  }

  private submitMissingTasks(stage: Stage): void {
    const partitions =
      stage instanceof ShuffleMapStage
        ? this.mapOutputTracker.missingMaps(stage.dep.shuffleId)
        : (() => {
            const job = this.jobIdToActiveJob.get(stage.firstJobId)!;
            return (stage as ResultStage).partitions.filter((p) => !job.finished[job.outputIndex.get(p)!]);
          })();
    stage.attempt++;
    stage.submittedAt = this.hooks.now();
    stage.pendingPartitions.clear();
    for (const p of partitions) stage.pendingPartitions.add(p);

    let binary: Buffer;
    let broadcastIds: number[];
    try {
      ({ binary, broadcastIds } = this.buildBinary(stage));
    } catch (err) {
      // e.g. partition data or a result that node:v8 cannot serialize
      for (const job of [...this.jobIdToActiveJob.values()]) {
        if (stage.jobIds.has(job.jobId)) this.failJob(job, new JobFailedError(`Job ${job.jobId} (${job.callSite}) failed: stage ${stage.id} cannot be sent to executors: ${(err as Error).message}`, { jobId: job.jobId, stageId: stage.id }));
      }
      return;
    }
    this.runningStages.add(stage);
    const tasks: PendingTask[] = partitions.map((p) => ({ partition: stage.rdd.partitions[p]!, preferredExecutors: this.preferredExecutors(stage.rdd, p), preferredHosts: preferredHosts(stage.rdd, p) }));
    const name = `${stage instanceof ShuffleMapStage ? 'ShuffleMapStage' : 'ResultStage'} ${stage.id} (${stage.callSite})`;
    this.log.info({ stageId: stage.id, numTasks: tasks.length }, `Submitting ${tasks.length} missing tasks from stage ${stage.id} (${stage.rdd})`);
    this.listener.onStageSubmitted?.(stage.id, stage.attempt, tasks.length, name);
    this.taskScheduler!.submitTasks({
      stageId: stage.id,
      stageAttempt: stage.attempt,
      priority: stage.firstJobId * 1e6 + stage.id,
      binaryId: this.nextBinaryId++,
      binary,
      broadcastIds,
      tasks,
      ...(stage instanceof ShuffleMapStage ? { shuffleMap: true } : {}),
    });
  }

  private buildBinary(stage: Stage): { binary: Buffer; broadcastIds: number[] } {
    const broadcastIds = new Set<number>();
    const ctx: SpecContext = {
      fn: (f: ShippedFunction<any>): FunctionSpec => {
        for (const id of f.broadcastIds) broadcastIds.add(id);
        return f.spec;
      },
      mapOutputs: (shuffleId) =>
        this.mapOutputTracker.outputs(shuffleId).map((o) => ({
          dataPath: o.dataPath,
          indexPath: o.indexPath,
          executorId: o.executorId,
          ...(o.blockAddress ? { blockAddress: o.blockAddress } : {}),
        })),
    };
    const spec: StageBinary = { rdd: stage.rdd.toSpec(ctx), broadcastIds: [], moduleUrls: this.hooks.moduleUrls() };
    if (stage instanceof ResultStage) spec.result = stage.op(ctx);
    else {
      const dep = (stage as ShuffleMapStage).dep;
      const aggregator = dep.aggregator?.(ctx);
      spec.shuffleWrite = { shuffleId: dep.shuffleId, partitioner: dep.partitioner.toSpec(), sortKeys: dep.sortKeys, ...(aggregator ? { aggregator } : {}) };
    }
    spec.broadcastIds = [...broadcastIds];
    return { binary: encodeStageBinary(spec), broadcastIds: spec.broadcastIds };
  }

  /** Executors holding cached data this partition reads: the RDD itself or a same-partitioned narrow ancestor. */
  private preferredExecutors(rdd: RDD<unknown>, partition: number): readonly string[] {
    let r: RDD<unknown> | undefined = rdd;
    for (let depth = 0; r && depth < 32; depth++) {
      if (r.storageLevel !== 'NONE') {
        const locs = this.hooks.cacheLocations(r.id, partition);
        if (locs.length > 0) return locs;
      }
      const d: RDD<unknown>['dependencies'][number] | undefined = r.dependencies[0];
      r = d && d.kind === 'narrow' && r.dependencies.length === 1 && d.rdd.partitions.length === r.partitions.length ? d.rdd : undefined;
    }
    return [];
  }

  private markStageFinished(stage: Stage): void {
    this.runningStages.delete(stage);
    this.fetchFailedAttempts.delete(stage.id); // the count is of consecutive attempts
    const ms = this.hooks.now() - stage.submittedAt;
    this.log.info({ stageId: stage.id, durationMs: ms }, `Stage ${stage.id} (${stage.callSite}) finished in ${(ms / 1000).toFixed(3)} s`);
    this.listener.onStageCompleted?.(stage.id, false);
  }

  // ---- jobs ----------------------------------------------------------------------

  private finishJob(job: ActiveJob): void {
    this.cleanupJob(job);
    const ms = this.hooks.now() - job.startedAt;
    this.log.info({ jobId: job.jobId, durationMs: ms }, `Job ${job.jobId} finished: ${job.callSite}, took ${(ms / 1000).toFixed(3)} s`);
    this.listener.onJobEnd?.(job.jobId, true);
    job.resolve(job.results);
  }

  private failJob(job: ActiveJob, error: Error): void {
    this.cleanupJob(job);
    this.log.info({ jobId: job.jobId }, `Job ${job.jobId} failed: ${job.callSite}`);
    this.listener.onJobEnd?.(job.jobId, false);
    job.reject(error);
  }

  /** Removes the job and every stage only it used (invariant 5). */
  private cleanupJob(job: ActiveJob): void {
    this.jobIdToActiveJob.delete(job.jobId);
    for (const stage of [...this.stageIdToStage.values()]) {
      if (!stage.jobIds.delete(job.jobId) || stage.jobIds.size > 0) continue;
      this.stageIdToStage.delete(stage.id);
      this.waitingStages.delete(stage);
      this.failedStages.delete(stage);
      this.fetchFailedAttempts.delete(stage.id);
      if (this.runningStages.delete(stage)) this.taskScheduler?.cancelStage(stage.id);
      if (stage instanceof ShuffleMapStage && this.shuffleIdToMapStage.get(stage.dep.shuffleId) === stage) {
        this.shuffleIdToMapStage.delete(stage.dep.shuffleId);
      }
    }
  }
}
