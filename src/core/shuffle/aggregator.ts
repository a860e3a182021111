/**
 * How values of one key combine, as in Spark's `Aggregator`: `createCombiner` turns the
 * first value into a combiner, `mergeValue` adds a value to a combiner (map side, or the
 * reduce side when the map side did not combine), `mergeCombiners` joins two combiners
 * (reduce side, and when merging spilled runs).
 *
 * The functions may mutate and return their first argument (e.g. push onto an array);
 * the shuffle never reuses a combiner after passing it in.
 */
export interface Aggregator<V, C> {
  createCombiner(v: V): C;
  mergeValue(c: C, v: V): C;
  mergeCombiners(a: C, b: C): C;
}
