import type { Partitioner } from '../partitioner.js';
import type { AggregatorSpec } from './spec.js';
import type { RDD } from './rdd.js';
import type { SpecContext } from './spec-context.js';

/**
 * Lineage edges. A narrow dependency computes a child partition from parent
 * partitions in the same task (the mapping lives in the Partition objects);
 * a shuffle dependency is a stage boundary.
 */
export interface NarrowDependency {
  readonly kind: 'narrow';
  readonly rdd: RDD<unknown>;
}

export interface ShuffleDependency {
  readonly kind: 'shuffle';
  readonly rdd: RDD<unknown>;
  readonly shuffleId: number;
  readonly partitioner: Partitioner;
  /** Combiner functions, built for one stage binary at a time (they reference shipped functions). */
  aggregator?(ctx: SpecContext): AggregatorSpec;
  readonly mapSideCombine: boolean;
  /** Map tasks sort their output by key in this direction (sortByKey). */
  readonly sortKeys: false | 'ascending' | 'descending';
}

export type Dependency = NarrowDependency | ShuffleDependency;
