import type { RDD } from './rdd.js';

/** Deeper chains than this are not searched (Spark walks all narrow parents; ours are one-to-one chains). */
const MAX_DEPTH = 32;

/**
 * Hosts a task computing `partition` of `rdd` prefers: the preferred locations of
 * the first RDD that has some, following one-to-one narrow dependencies
 * (map, filter, ... over a textFile inherit its block hosts), as Spark's
 * DAGScheduler.getPreferredLocs does. Cached blocks are the DAGScheduler's
 * executor-level preference and are looked up there, before this.
 */
export function preferredHosts(rdd: RDD<unknown>, partition: number): readonly string[] {
  let r: RDD<unknown> | undefined = rdd;
  for (let depth = 0; r && depth < MAX_DEPTH; depth++) {
    const p = r.partitions[partition];
    if (p) {
      const hosts = r.preferredLocations(p);
      if (hosts.length > 0) return hosts;
    }
    const deps: RDD<unknown>['dependencies'] = r.dependencies;
    const d = deps[0];
    r =
      d && d.kind === 'narrow' && deps.length === 1 && d.rdd.partitions.length === r.partitions.length
        ? d.rdd
        : undefined;
  }
  return [];
}
