import type { ShuffleDependency } from '../rdd/dependency.js';
import type { RDD } from '../rdd/rdd.js';
import type { ResultOp } from '../rdd/spec.js';
import type { SpecContext } from '../rdd/spec-context.js';

/**
 * A set of tasks that run the same functions on different partitions, with
 * no shuffle inside (Spark's Stage). A ShuffleMapStage writes shuffle output
 * for a child stage; a ResultStage computes an action's per-partition result.
 */
export abstract class Stage {
  readonly jobIds = new Set<number>();
  /** Partitions submitted in the current attempt and not yet done. */
  readonly pendingPartitions = new Set<number>();
  /** Incremented on each submission. */
  attempt = -1;
  submittedAt = 0;

  constructor(
    readonly id: number,
    readonly rdd: RDD<unknown>,
    readonly parents: Stage[],
    readonly firstJobId: number,
    readonly callSite: string,
  ) {}

  get numPartitions(): number {
    return this.rdd.partitions.length;
  }
}

export class ShuffleMapStage extends Stage {
  constructor(
    id: number,
    rdd: RDD<unknown>,
    parents: Stage[],
    firstJobId: number,
    callSite: string,
    readonly dep: ShuffleDependency,
  ) {
    super(id, rdd, parents, firstJobId, callSite);
  }
}

export class ResultStage extends Stage {
  constructor(
    id: number,
    rdd: RDD<unknown>,
    parents: Stage[],
    firstJobId: number,
    callSite: string,
    readonly op: (ctx: SpecContext) => ResultOp,
    /** Indices of rdd partitions this job computes. */
    readonly partitions: number[],
  ) {
    super(id, rdd, parents, firstJobId, callSite);
  }
}
