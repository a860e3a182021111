import type { Aggregator } from '../shuffle/index.js';
import type { AggregatorSpec } from '../rdd/spec.js';
import type { ExecutorState } from './executor-state.js';

/** Copies a zero value so each key starts from its own (Spark serializes the zero per key). */
function cloneZero(zero: unknown): unknown {
  return zero !== null && typeof zero === 'object' ? structuredClone(zero) : zero;
}

/** Builds the shuffle's combiner functions from their spec, on the executor. */
export async function buildAggregator(spec: AggregatorSpec, state: ExecutorState): Promise<Aggregator<unknown, unknown>> {
  switch (spec.kind) {
    case 'group':
      return {
        createCombiner: (v) => [v],
        mergeValue: (c, v) => {
          (c as unknown[]).push(v);
          return c;
        },
        mergeCombiners: (a, b) => {
          const arr = a as unknown[];
          for (const v of b as unknown[]) arr.push(v);
          return arr;
        },
      };
    case 'reduce': {
      const { fn, env } = await state.fn(spec.fn);
      return { createCombiner: (v) => v, mergeValue: (c, v) => fn(c, v, env), mergeCombiners: (a, b) => fn(a, b, env) };
    }
    case 'fold': {
      const { fn, env } = await state.fn(spec.fn);
      return {
        createCombiner: (v) => fn(cloneZero(spec.zero), v, env),
        mergeValue: (c, v) => fn(c, v, env),
        mergeCombiners: (a, b) => fn(a, b, env),
      };
    }
    case 'aggregate': {
      const seq = await state.fn(spec.seq);
      const comb = await state.fn(spec.comb);
      return {
        createCombiner: (v) => seq.fn(cloneZero(spec.zero), v, seq.env),
        mergeValue: (c, v) => seq.fn(c, v, seq.env),
        mergeCombiners: (a, b) => comb.fn(a, b, comb.env),
      };
    }
    case 'combine': {
      const create = await state.fn(spec.create);
      const merge = await state.fn(spec.merge);
      const mergeC = await state.fn(spec.mergeCombiners);
      return {
        createCombiner: (v) => create.fn(v, create.env),
        mergeValue: (c, v) => merge.fn(c, v, merge.env),
        mergeCombiners: (a, b) => mergeC.fn(a, b, mergeC.env),
      };
    }
  }
}
