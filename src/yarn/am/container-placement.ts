import type { LocalityPreferences } from '../../core/scheduler/backend.js';

/**
 * Where new executor containers should be asked for, given where the
 * driver's pending tasks would like to run (Spark's container placement
 * strategy, simplified — docs/yarn-am.md, "Locality").
 *
 * Of `count` new containers, as many as the locality-aware pending tasks
 * can fill (ceil(tasks / tasks per executor)) get a host; the hosts share
 * them in proportion to their pending-task counts (largest remainder, ties
 * to the host with more tasks, then by name, so the result is stable). The
 * rest are asked for anywhere. Existing executors are not subtracted: a
 * request only says where a new container would help most.
 */
export function placeNewContainers(
  count: number,
  preferences: LocalityPreferences,
  tasksPerExecutor: number,
): Array<string | undefined> {
  if (count <= 0) return [];
  const hosts = Object.entries(preferences.hostToLocalTaskCount)
    .filter(([, n]) => Number.isFinite(n) && n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  const total = hosts.reduce((sum, [, n]) => sum + n, 0);
  const localityAware =
    total === 0
      ? 0
      : Math.min(count, Math.ceil(Math.max(0, preferences.numLocalityAwareTasks) / Math.max(1, tasksPerExecutor)));
  const shares = hosts.map(([host, n]) => {
    const exact = (localityAware * n) / total;
    return { host, n, whole: Math.floor(exact), fraction: exact - Math.floor(exact) };
  });
  let left = localityAware - shares.reduce((sum, s) => sum + s.whole, 0);
  for (const s of [...shares].sort((a, b) => b.fraction - a.fraction)) {
    if (left <= 0) break;
    s.whole++;
    left--;
  }
  const placed: Array<string | undefined> = [];
  for (const s of shares) for (let i = 0; i < s.whole; i++) placed.push(s.host);
  while (placed.length < count) placed.push(undefined);
  return placed;
}

/** Host -> number of requests for it, for logs. */
export function countByHost(hosts: ReadonlyArray<string | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of hosts) if (h !== undefined) out[h] = (out[h] ?? 0) + 1;
  return out;
}
