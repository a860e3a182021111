import type { Logger } from '../log.js';

/**
 * Cleans up what the driver no longer references, while the application
 * runs (the role of Spark's ContextCleaner; our own design):
 *
 * - a shuffle, once its ShuffleDependency (held by the RDD that reads it and
 *   by the stages of running jobs) is garbage: its map outputs are forgotten
 *   on the driver and every executor deletes its files;
 * - a persisted RDD, once the RDD object is garbage: its cached blocks are
 *   dropped, as unpersist() does.
 *
 * Reachability comes from a FinalizationRegistry: V8 calls back some time
 * after a collection, or never (a driver whose heap never fills may keep
 * everything until the end, when sc.stop() deletes it all anyway). The
 * explicit methods do the same work at once, for tests and callers that know
 * a shuffle is no longer needed. With spark.cleaner.referenceTracking=false
 * nothing is tracked; the explicit methods still work.
 */

export interface CleanupActions {
  /** Forgets the shuffle's map outputs on the driver; false while a running job still has a stage for it. */
  unregisterShuffle(shuffleId: number): boolean;
  /** Deletes the shuffle's files on every executor (or worker thread). */
  removeShuffleFiles(shuffleId: number): Promise<void>;
  /** Drops the RDD's cached blocks everywhere. */
  unpersistRdd(rddId: number): void;
}

export interface ContextCleanerOptions {
  /** spark.cleaner.referenceTracking */
  referenceTracking: boolean;
  logger: Logger;
}

type Collected = { kind: 'shuffle'; shuffleId: number } | { kind: 'rdd'; rddId: number };

export class ContextCleaner {
  private readonly registry: FinalizationRegistry<Collected> | undefined;
  private readonly trackedShuffles = new Set<number>();
  private readonly trackedRdds = new Set<number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly actions: CleanupActions,
    private readonly options: ContextCleanerOptions,
  ) {
    if (options.referenceTracking) {
      this.registry = new FinalizationRegistry((collected) => this.onCollected(collected));
    }
  }

  /** Whether objects are tracked (spark.cleaner.referenceTracking). */
  get tracking(): boolean {
    return this.registry !== undefined;
  }

  /** Cleans shuffle `shuffleId` once `dependency` is garbage. Registering the same shuffle again is a no-op. */
  registerShuffleForCleanup(dependency: object, shuffleId: number): void {
    if (!this.registry || this.stopped || this.trackedShuffles.has(shuffleId)) return;
    this.trackedShuffles.add(shuffleId);
    this.registry.register(dependency, { kind: 'shuffle', shuffleId });
  }

  /** Drops the cached blocks of RDD `rddId` once `rdd` is garbage. */
  registerRddForCleanup(rdd: object, rddId: number): void {
    if (!this.registry || this.stopped || this.trackedRdds.has(rddId)) return;
    this.trackedRdds.add(rddId);
    this.registry.register(rdd, { kind: 'rdd', rddId });
  }

  /**
   * Forgets a shuffle and deletes its files on the executors now. Resolves
   * false (and deletes nothing) while a running job still uses it; true once
   * local files are gone, or executors were told (they delete on their own).
   */
  async cleanupShuffle(shuffleId: number): Promise<boolean> {
    if (this.stopped) return false;
    if (!this.actions.unregisterShuffle(shuffleId)) {
      this.options.logger.debug({ shuffleId }, `Shuffle ${shuffleId} is in use by a running job; not cleaned`);
      return false;
    }
    this.trackedShuffles.delete(shuffleId);
    await this.track(this.actions.removeShuffleFiles(shuffleId));
    this.options.logger.debug({ shuffleId }, `Cleaned shuffle ${shuffleId}`);
    return true;
  }

  /** Drops the cached blocks of an RDD now. */
  cleanupRdd(rddId: number): void {
    if (this.stopped) return;
    this.trackedRdds.delete(rddId);
    this.actions.unpersistRdd(rddId);
    this.options.logger.debug({ rddId }, `Cleaned RDD ${rddId}`);
  }

  /** No more cleaning (the context stops and removes everything); waits for deletions under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private onCollected(collected: Collected): void {
    if (this.stopped) return;
    if (collected.kind === 'rdd') {
      // an RDD is collected only after the DAGScheduler dropped it: never in use
      if (this.trackedRdds.has(collected.rddId)) this.cleanupRdd(collected.rddId);
      return;
    }
    if (!this.trackedShuffles.has(collected.shuffleId)) return;
    this.cleanupShuffle(collected.shuffleId).catch((e: unknown) =>
      this.options.logger.warn(
        { shuffleId: collected.shuffleId, err: (e as Error).message },
        `Could not clean shuffle ${collected.shuffleId}`,
      ),
    );
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const forget = (): void => void this.inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }
}
