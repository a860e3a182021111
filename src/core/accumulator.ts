import { SHIP_AS_REFERENCE, type EnvReference, type ShippableReference } from './closure/shipped-function.js';
import type { AccumulatorKind } from './executor/accumulator-updates.js';

/**
 * A value tasks add to and only the driver reads (Spark's AccumulatorV2:
 * long, double, collection). Pass it in a function's env:
 * `rdd.foreach((x, env) => env.errors.add(1), { errors })`. Updates of a
 * task are merged when the task succeeds, once per task.
 */
export class Accumulator<T, In = T> implements ShippableReference {
  private current: T;

  constructor(
    readonly id: number,
    readonly kind: AccumulatorKind,
    readonly name: string | undefined,
  ) {
    this.current = (kind === 'collection' ? [] : 0) as T;
  }

  get value(): T {
    return this.kind === 'collection' ? ([...(this.current as unknown[])] as T) : this.current;
  }

  add(v: In): void {
    this.merge(this.kind === 'collection' ? [v] : v);
  }

  /** Merges a task's partial value. */
  merge(partial: unknown): void {
    if (this.kind === 'collection') (this.current as unknown[]).push(...(partial as unknown[]));
    else this.current = ((this.current as number) + (partial as number)) as T;
  }

  reset(): void {
    this.current = (this.kind === 'collection' ? [] : 0) as T;
  }

  [SHIP_AS_REFERENCE](): EnvReference {
    return { ref: 'accumulator', id: this.id, kind: this.kind, ...(this.name ? { name: this.name } : {}) };
  }
}
