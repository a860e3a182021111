import { expect } from 'vitest';
import { SparkContext } from '../../../../src/core/context.js';

/** A context for tests: worker threads, no progress bar, silent. */
export function testContext(master = 'local[2]', conf: Record<string, string> = {}): SparkContext {
  return new SparkContext({ master, appName: 'engine-test', conf, progress: false });
}

/** Canonical text of a value, undefined kept apart from null, for order-free comparison. */
export function canon(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (v === undefined ? '__undefined__' : typeof v === 'bigint' ? `${v}n` : v));
}

export function expectSameMultiset(actual: readonly unknown[], expected: readonly unknown[]): void {
  expect(actual.map(canon).sort()).toEqual(expected.map(canon).sort());
}

/** Every scheduler structure is empty between jobs (Spark's DAGSchedulerSuite check). */
export function expectSchedulerIdle(sc: SparkContext): void {
  const { shuffles: _kept, ...rest } = sc.debugState();
  for (const [name, size] of Object.entries(rest)) expect({ name, size }).toEqual({ name, size: 0 });
}

/** Groups pairs by key with a plain loop (keys compared as canonical text). */
export function groupPairs<K, V>(pairs: readonly [K, V][]): Map<string, { key: K; values: V[] }> {
  const m = new Map<string, { key: K; values: V[] }>();
  for (const [k, v] of pairs) {
    const t = canon(k);
    let e = m.get(t);
    if (!e) m.set(t, (e = { key: k, values: [] }));
    e.values.push(v);
  }
  return m;
}

/** Deterministic pseudo-random integers for test data. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}
