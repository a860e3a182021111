import { availableParallelism } from 'node:os';
import { ExitCode, UsageError } from '../errors.js';

/**
 * Master URLs, as Spark reads them (SparkContext.createTaskScheduler and
 * SparkSubmit), restricted to the ones tspark runs. The one parser: the
 * engine selects its backend with it and the submit planner validates with it.
 * In local mode a task is tried once unless `local[K,F]` says F.
 *
 *
 *   local                 one task thread, no task retries
 *   local[K] / local[*]   K task threads / one per core
 *   local[K,F]            ... and up to F attempts per task
 *   local-cluster[N,C,M]  N executor processes with C cores and M MiB each, on this machine
 *   yarn                  a YARN cluster found through HADOOP_CONF_DIR
 *
 * `yarn-cluster` and `yarn-client` are accepted as the deprecated spellings of
 * `yarn` with a deploy mode (see legacyYarnMaster).
 */
export type MasterUrl =
  | { kind: 'local'; text: string; threads: number; maxFailures: number }
  | { kind: 'local-cluster'; text: string; executors: number; coresPerExecutor: number; memoryMiB: number }
  | { kind: 'yarn'; text: 'yarn' };

const LOCAL = /^local$/;
const LOCAL_N = /^local\[\s*([0-9]+|\*)\s*\]$/;
const LOCAL_N_F = /^local\[\s*([0-9]+|\*)\s*,\s*([0-9]+)\s*\]$/;
const LOCAL_CLUSTER = /^local-cluster\[\s*([0-9]+)\s*,\s*([0-9]+)\s*,\s*([0-9]+)\s*\]$/;

const SUPPORTED = 'local, local[K], local[*], local[K,F], local-cluster[N,C,M] or yarn';

function badMaster(raw: string, why: string): UsageError {
  return new UsageError('BAD_MASTER_URL', `master URL '${raw}' ${why}: use ${SUPPORTED}`, {
    exitCode: ExitCode.BAD_MASTER_URL,
    context: { master: raw },
  });
}

function positive(raw: string, n: number, what: string): number {
  if (n < 1) throw badMaster(raw, `asks for ${n} ${what}`);
  return n;
}

/** Parses a master URL; `cores` resolves `*` (os.availableParallelism() at the entry point). */
export function parseMasterUrl(raw: string, cores: number): MasterUrl {
  const text = raw.trim();
  const threads = (t: string): number => (t === '*' ? cores : positive(raw, Number(t), 'threads'));
  if (LOCAL.test(text)) return { kind: 'local', text, threads: 1, maxFailures: 1 };
  let m = LOCAL_N.exec(text);
  if (m) return { kind: 'local', text, threads: threads(m[1]!), maxFailures: 1 };
  m = LOCAL_N_F.exec(text);
  if (m) {
    return {
      kind: 'local',
      text,
      threads: threads(m[1]!),
      maxFailures: positive(raw, Number(m[2]), 'task attempts'),
    };
  }
  m = LOCAL_CLUSTER.exec(text);
  if (m) {
    return {
      kind: 'local-cluster',
      text,
      executors: positive(raw, Number(m[1]), 'executors'),
      coresPerExecutor: positive(raw, Number(m[2]), 'cores per executor'),
      memoryMiB: positive(raw, Number(m[3]), 'MiB per executor'),
    };
  }
  if (text === 'yarn') return { kind: 'yarn', text: 'yarn' };
  if (/^(spark|mesos|k8s):\/\//.test(text))
    throw badMaster(raw, 'names a cluster manager tspark does not support');
  throw badMaster(raw, 'is not a master URL');
}

/** parseMasterUrl with `*` resolved to this machine's cores: the engine's entry. */
export function parseMaster(master: string, cores: () => number = availableParallelism): MasterUrl {
  return parseMasterUrl(master, cores());
}
