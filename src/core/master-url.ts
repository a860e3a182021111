import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.js';

/**
 * Master URLs, as Spark reads them. In local mode a task is tried once
 * unless `local[K,F]` says F (Spark's rule: local[K] means maxFailures = 1).
 */
export type MasterUrl =
  | { kind: 'local'; threads: number; maxFailures: number }
  | { kind: 'local-cluster'; executors: number; coresPerExecutor: number; memoryMiB: number }
  | { kind: 'yarn' };

export function parseMaster(master: string, cores: () => number = availableParallelism): MasterUrl {
  const m = master.trim();
  if (m === 'local') return { kind: 'local', threads: 1, maxFailures: 1 };
  let r = /^local\[(\*|\d+)\]$/.exec(m);
  if (r) return { kind: 'local', threads: threadsOf(r[1]!, master, cores), maxFailures: 1 };
  r = /^local\[(\*|\d+)\s*,\s*(\d+)\]$/.exec(m);
  if (r) {
    const maxFailures = Number(r[2]);
    if (maxFailures < 1) throw badMaster(master, 'the failure count F in local[K,F] must be >= 1');
    return { kind: 'local', threads: threadsOf(r[1]!, master, cores), maxFailures };
  }
  r = /^local-cluster\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]$/.exec(m);
  if (r) return { kind: 'local-cluster', executors: Number(r[1]), coresPerExecutor: Number(r[2]), memoryMiB: Number(r[3]) };
  if (m === 'yarn') return { kind: 'yarn' };
  throw badMaster(master, 'use local, local[K], local[*], local[K,F], local-cluster[N,C,M] or yarn');
}

function threadsOf(spec: string, master: string, cores: () => number): number {
  if (spec === '*') return Math.max(1, cores());
  const n = Number(spec);
  if (n < 1) throw badMaster(master, 'the thread count K in local[K] must be >= 1');
  return n;
}

function badMaster(master: string, fix: string): ConfigError {
  return new ConfigError('INVALID_MASTER', `Could not parse master URL '${master}': ${fix}`, { context: { master } });
}
