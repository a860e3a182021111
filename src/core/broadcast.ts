import { SHIP_AS_REFERENCE, type EnvReference, type ShippableReference } from './closure/shipped-function.js';

/**
 * A read-only value sent to each executor once (not with every task).
 * Pass it in a function's env: `rdd.map((x, env) => env.table.value[x], { table })`.
 */
export class Broadcast<T> implements ShippableReference {
  private destroyed = false;

  constructor(
    readonly id: number,
    private readonly v: T,
    private readonly onUnpersist: (id: number, destroy: boolean) => void,
  ) {}

  get value(): T {
    if (this.destroyed) throw new Error(`broadcast ${this.id} was destroyed and cannot be used`);
    return this.v;
  }

  /** Drops executor copies; they are sent again if a later task needs them. */
  unpersist(): void {
    this.onUnpersist(this.id, false);
  }

  /** Drops all copies; the broadcast can no longer be used. */
  destroy(): void {
    this.destroyed = true;
    this.onUnpersist(this.id, true);
  }

  [SHIP_AS_REFERENCE](): EnvReference {
    if (this.destroyed) throw new Error(`broadcast ${this.id} was destroyed and cannot be shipped`);
    return { ref: 'broadcast', id: this.id };
  }
}
