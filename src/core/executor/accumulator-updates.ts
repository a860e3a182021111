import { SHIP_AS_REFERENCE, type EnvReference } from '../closure/shipped-function.js';

/**
 * Executor side of accumulators: tasks only add; the driver merges the
 * updates of each successful task (Spark's rule: a failed attempt's updates
 * are dropped).
 */
export type AccumulatorKind = 'long' | 'double' | 'collection';

export class TaskAccumulatorUpdates {
  private readonly updates = new Map<number, { kind: AccumulatorKind; value: unknown }>();

  add(id: number, kind: AccumulatorKind, v: unknown): void {
    const cur = this.updates.get(id);
    if (kind === 'collection') {
      if (cur) (cur.value as unknown[]).push(v);
      else this.updates.set(id, { kind, value: [v] });
    } else if (cur) cur.value = (cur.value as number) + (v as number);
    else this.updates.set(id, { kind, value: v });
  }

  drain(): { id: number; kind: AccumulatorKind; value: unknown }[] {
    const out = [...this.updates].map(([id, u]) => ({ id, ...u }));
    this.updates.clear();
    return out;
  }
}

/** What a shipped function sees for an accumulator: add works, reading does not. */
export class ExecutorAccumulator {
  constructor(
    readonly id: number,
    readonly kind: AccumulatorKind,
    readonly name: string | undefined,
    private readonly current: () => TaskAccumulatorUpdates,
  ) {}

  add(v: unknown): void {
    this.current().add(this.id, this.kind, v);
  }

  get value(): never {
    throw new Error(`accumulator ${this.name ?? this.id}: its value can only be read on the driver`);
  }

  [SHIP_AS_REFERENCE](): EnvReference {
    return { ref: 'accumulator', id: this.id, kind: this.kind, ...(this.name ? { name: this.name } : {}) };
  }
}

/** What a shipped function sees for a broadcast variable. */
export class ExecutorBroadcast {
  constructor(
    readonly id: number,
    private readonly lookup: (id: number) => unknown,
  ) {}

  get value(): unknown {
    return this.lookup(this.id);
  }

  [SHIP_AS_REFERENCE](): EnvReference {
    return { ref: 'broadcast', id: this.id };
  }
}
