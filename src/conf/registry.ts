import {
  booleanEntry,
  durationEntry,
  intEntry,
  memoryEntry,
  stringEntry,
  type ConfigEntry,
} from './config-entry.js';

/**
 * Every configuration key tspark reads, declared once. docs/configuration.md
 * is generated from this table (npm run docs:config) and a test fails when it
 * is stale. Keys keep Spark's names and meanings.
 */
export const Config = {
  APP_NAME: stringEntry({ key: 'spark.app.name', category: 'Application', doc: 'Name of the application, shown in YARN and logs.' }),
  MASTER: stringEntry({ key: 'spark.master', category: 'Application', doc: 'Master URL: local, local[K], local[*], local[K,F], local-cluster[N,C,M] or yarn.' }),
  SUBMIT_DEPLOY_MODE: stringEntry({ key: 'spark.submit.deployMode', category: 'Application', doc: 'Where the driver runs: client (this process) or cluster (in the YARN ApplicationMaster).', default: 'client', choices: ['client', 'cluster'] }),
  DRIVER_MEMORY: memoryEntry({ key: 'spark.driver.memory', category: 'Driver', doc: 'Heap limit of the driver process (V8 --max-old-space-size).', default: 1024 }),
  DRIVER_CORES: intEntry({ key: 'spark.driver.cores', category: 'Driver', doc: 'Cores of the driver in cluster mode.', default: 1, min: 1 }),
  DRIVER_MEMORY_OVERHEAD: memoryEntry({ key: 'spark.driver.memoryOverhead', category: 'Driver', doc: 'Off-heap memory added to the driver container in cluster mode; default max(384m, factor x driver memory).', defaultText: 'max(384m, 0.10 x memory)' }),
  EXECUTOR_MEMORY: memoryEntry({ key: 'spark.executor.memory', category: 'Executor', doc: 'Heap limit of each executor process (V8 --max-old-space-size); also the memory the shuffle may use before spilling.', default: 1024 }),
  EXECUTOR_CORES: intEntry({ key: 'spark.executor.cores', category: 'Executor', doc: 'Concurrent tasks per executor.', default: 1, min: 1 }),
  EXECUTOR_INSTANCES: intEntry({ key: 'spark.executor.instances', category: 'Executor', doc: 'Number of executors to request on YARN.', default: 2, min: 1 }),
  EXECUTOR_MEMORY_OVERHEAD: memoryEntry({ key: 'spark.executor.memoryOverhead', category: 'Executor', doc: 'Off-heap memory added to each executor container; default max(384m, factor x executor memory).', defaultText: 'max(384m, 0.10 x memory)' }),
  LOCAL_DIR: stringEntry({ key: 'spark.local.dir', category: 'Execution', doc: 'Directory for shuffle and spill files (comma-separated list allowed).', defaultText: 'the OS temporary directory' }),
  TASK_MAX_FAILURES: intEntry({ key: 'spark.task.maxFailures', category: 'Execution', doc: 'Attempts of one task before its job fails.', default: 4, min: 1 }),
  DEFAULT_PARALLELISM: intEntry({ key: 'spark.default.parallelism', category: 'Execution', doc: 'Default number of partitions for parallelize and shuffles.', defaultText: 'cores in local mode, total executor cores otherwise', min: 1 }),
  SHUFFLE_SPILL_MEMORY_FRACTION: stringEntry({ key: 'spark.memory.fraction', category: 'Execution', doc: 'Fraction of the heap usable for shuffle buffers before spilling.', default: '0.6' }),
  LOCALITY_WAIT: durationEntry({ key: 'spark.locality.wait', category: 'Execution', doc: 'How long to wait for a data-local slot before accepting a less local one.', default: 3000 }),
  YARN_QUEUE: stringEntry({ key: 'spark.yarn.queue', category: 'YARN', doc: 'YARN queue to submit to.', default: 'default' }),
  YARN_AM_MEMORY: memoryEntry({ key: 'spark.yarn.am.memory', category: 'YARN', doc: 'Heap of the ApplicationMaster in client mode.', default: 512 }),
  YARN_MAX_APP_ATTEMPTS: intEntry({ key: 'spark.yarn.maxAppAttempts', category: 'YARN', doc: 'Attempts of the ApplicationMaster; default is the cluster maximum.', min: 1, defaultText: 'yarn.resourcemanager.am.max-attempts' }),
  YARN_WAIT_COMPLETION: booleanEntry({ key: 'spark.yarn.submit.waitAppCompletion', category: 'YARN', doc: 'In cluster mode, wait for the application to finish before exiting.', default: true }),
  YARN_PRESERVE_STAGING: booleanEntry({ key: 'spark.yarn.preserve.staging.files', category: 'YARN', doc: 'Keep the staging directory after the application ends.', default: false }),
} satisfies Record<string, ConfigEntry<unknown>>;

export const ALL_ENTRIES: readonly ConfigEntry<unknown>[] = Object.values(Config);

export function findEntry(key: string): ConfigEntry<unknown> | undefined {
  return ALL_ENTRIES.find((e) => e.key === key);
}

/** Keys whose values are never printed: secrets, passwords, tokens. */
export const SECRET_KEY_PATTERN = /secret|password|token|credential|(^|\.)key$/i;

export function redactValue(key: string, value: string): string {
  return SECRET_KEY_PATTERN.test(key) ? '*********(redacted)' : value;
}
