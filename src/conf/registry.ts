import {
  booleanEntry,
  bytesEntry,
  doubleEntry,
  durationEntry,
  intEntry,
  memoryEntry,
  prefixEntry,
  stringEntry,
  type ConfigEntry,
  type ConfigPrefix,
} from './config-entry.js';

/**
 * Every configuration key tspark reads, declared once. docs/configuration.md
 * is generated from this table (npm run docs:config) and a test fails when it
 * is stale. Keys keep Spark's names, defaults and meanings; where tspark
 * differs the doc line says so. The planner parses every key listed here once
 * at submission, so a bad value fails before anything is uploaded.
 */
export const Config = {
  // --- Application -------------------------------------------------------
  APP_NAME: stringEntry({
    key: 'spark.app.name',
    category: 'Application',
    doc: 'Name of the application, shown in YARN and logs (--name).',
    defaultText: '--class if given, else the entry file name',
  }),
  MASTER: stringEntry({
    key: 'spark.master',
    category: 'Application',
    doc: 'Master URL: local, local[K], local[*], local[K,F], local-cluster[N,C,M] or yarn (--master).',
    defaultText: 'local[*]',
  }),
  SUBMIT_DEPLOY_MODE: stringEntry({
    key: 'spark.submit.deployMode',
    category: 'Application',
    doc: 'Where the driver runs: client (the submitting process) or cluster (the YARN ApplicationMaster) (--deploy-mode).',
    default: 'client',
    choices: ['client', 'cluster'],
  }),
  FILES: stringEntry({
    key: 'spark.files',
    category: 'Application',
    doc: 'Comma-separated files placed in the working directory of the driver and executors when not on YARN (--files).',
  }),
  ARCHIVES: stringEntry({
    key: 'spark.archives',
    category: 'Application',
    doc: 'Comma-separated archives extracted into the working directory when not on YARN (--archives).',
  }),

  // --- Driver ------------------------------------------------------------
  DRIVER_MEMORY: memoryEntry({
    key: 'spark.driver.memory',
    category: 'Driver',
    doc: 'Heap limit of the driver process, V8 --max-old-space-size (--driver-memory).',
    default: 1024,
  }),
  DRIVER_CORES: intEntry({
    key: 'spark.driver.cores',
    category: 'Driver',
    doc: 'Cores of the driver container in cluster mode (--driver-cores).',
    default: 1,
    min: 1,
  }),
  DRIVER_MEMORY_OVERHEAD: memoryEntry({
    key: 'spark.driver.memoryOverhead',
    category: 'Driver',
    doc: 'Memory outside the V8 heap added to the driver container in cluster mode.',
    defaultText: 'max(384m, spark.driver.memoryOverheadFactor x driver memory)',
  }),
  DRIVER_MEMORY_OVERHEAD_FACTOR: doubleEntry({
    key: 'spark.driver.memoryOverheadFactor',
    category: 'Driver',
    doc: 'Fraction of driver memory added as overhead when spark.driver.memoryOverhead is not set.',
    default: 0.1,
    min: 0,
  }),
  DRIVER_HOST: stringEntry({
    key: 'spark.driver.host',
    category: 'Driver',
    doc: 'Host name or address executors use to reach the driver.',
    defaultText: 'the local host name',
  }),
  DRIVER_PORT: intEntry({
    key: 'spark.driver.port',
    category: 'Driver',
    doc: 'Port of the driver endpoint; 0 picks a free port.',
    default: 0,
    min: 0,
  }),
  DRIVER_BIND_ADDRESS: stringEntry({
    key: 'spark.driver.bindAddress',
    category: 'Driver',
    doc: 'Address the driver endpoint listens on.',
    defaultText: 'spark.driver.host',
  }),
  DRIVER_BLOCK_MANAGER_PORT: intEntry({
    key: 'spark.driver.blockManager.port',
    category: 'Driver',
    doc: "Port of the driver's block server (cluster and local-cluster modes), which serves broadcast pieces to executors; it listens on spark.driver.bindAddress and is advertised as spark.driver.host. 0 picks a free port.",
    defaultText: 'spark.blockManager.port',
    min: 0,
  }),
  DRIVER_MAX_RESULT_SIZE: bytesEntry({
    key: 'spark.driver.maxResultSize',
    category: 'Driver',
    doc: 'Limit on the total size of task results an action brings back to the driver; 0 means no limit.',
    default: 1024 ** 3,
    defaultText: '1g',
  }),

  // --- Executor ----------------------------------------------------------
  EXECUTOR_MEMORY: memoryEntry({
    key: 'spark.executor.memory',
    category: 'Executor',
    doc: 'Heap limit of each executor process, V8 --max-old-space-size (--executor-memory).',
    default: 1024,
  }),
  EXECUTOR_CORES: intEntry({
    key: 'spark.executor.cores',
    category: 'Executor',
    doc: 'Concurrent tasks per executor (--executor-cores).',
    default: 1,
    min: 1,
  }),
  EXECUTOR_INSTANCES: intEntry({
    key: 'spark.executor.instances',
    category: 'Executor',
    doc: 'Number of executors to request on YARN (--num-executors).',
    default: 2,
    min: 1,
  }),
  EXECUTOR_MEMORY_OVERHEAD: memoryEntry({
    key: 'spark.executor.memoryOverhead',
    category: 'Executor',
    doc: 'Memory outside the V8 heap (Buffers, shuffle and network data, Node itself) added to each executor container.',
    defaultText: 'max(384m, spark.executor.memoryOverheadFactor x executor memory, 128m + 80m x spark.executor.cores)',
  }),
  EXECUTOR_MEMORY_OVERHEAD_FACTOR: doubleEntry({
    key: 'spark.executor.memoryOverheadFactor',
    category: 'Executor',
    doc: 'Fraction of executor memory added as overhead when spark.executor.memoryOverhead is not set.',
    default: 0.1,
    min: 0,
  }),
  EXECUTOR_HEARTBEAT_INTERVAL: durationEntry({
    key: 'spark.executor.heartbeatInterval',
    category: 'Executor',
    doc: 'Interval between executor heartbeats to the driver; must be well below spark.network.timeout.',
    default: 10_000,
  }),

  // --- Execution ---------------------------------------------------------
  LOCAL_DIR: stringEntry({
    key: 'spark.local.dir',
    category: 'Execution',
    doc: 'Directories for shuffle and spill files (comma-separated). On YARN the NodeManager local dirs are used instead.',
    defaultText: 'the OS temporary directory',
  }),
  TASK_MAX_FAILURES: intEntry({
    key: 'spark.task.maxFailures',
    category: 'Execution',
    doc: 'Attempts of one task before its job fails. In local mode the F of local[K,F] applies instead (default 1).',
    default: 4,
    min: 1,
  }),
  TASK_CPUS: intEntry({
    key: 'spark.task.cpus',
    category: 'Execution',
    doc: 'Cores reserved for each task.',
    default: 1,
    min: 1,
  }),
  DEFAULT_PARALLELISM: intEntry({
    key: 'spark.default.parallelism',
    category: 'Execution',
    doc: 'Default number of partitions for parallelize and shuffles.',
    defaultText: 'cores in local mode, total executor cores otherwise',
    min: 1,
  }),
  MEMORY_FRACTION: doubleEntry({
    key: 'spark.memory.fraction',
    category: 'Execution',
    doc:
      'Fraction of the heap usable for shuffle buffers and cached blocks before spilling or evicting. ' +
      "On an executor it applies per task slot: to the slot's share of spark.executor.memory (docs/yarn.md, Memory).",
    default: 0.6,
    min: 0,
    max: 1,
  }),
  MEMORY_STORAGE_FRACTION: doubleEntry({
    key: 'spark.memory.storageFraction',
    category: 'Execution',
    doc:
      "Part of spark.memory.fraction an executor sets aside for cached blocks. Cached blocks are kept serialized outside V8's heap, " +
      "so this part is taken out of the executor's memory before it is split into the task threads' heaps; it is not lent to tasks.",
    default: 0.5,
    min: 0,
    max: 1,
  }),
  LOCALITY_WAIT: durationEntry({
    key: 'spark.locality.wait',
    category: 'Execution',
    doc: 'How long to wait for a data-local slot before accepting a less local one.',
    default: 3000,
  }),
  LOCALITY_WAIT_PROCESS: durationEntry({
    key: 'spark.locality.wait.process',
    category: 'Execution',
    doc: 'Locality wait for the process level.',
    defaultText: 'spark.locality.wait',
  }),
  LOCALITY_WAIT_NODE: durationEntry({
    key: 'spark.locality.wait.node',
    category: 'Execution',
    doc: 'Locality wait for the node level.',
    defaultText: 'spark.locality.wait',
  }),
  LOCALITY_WAIT_RACK: durationEntry({
    key: 'spark.locality.wait.rack',
    category: 'Execution',
    doc: 'Locality wait for the rack level.',
    defaultText: 'spark.locality.wait',
  }),
  CLEANER_REFERENCE_TRACKING: booleanEntry({
    key: 'spark.cleaner.referenceTracking',
    category: 'Execution',
    doc: 'Delete the files of a shuffle (and drop the cached blocks of an RDD) once the driver no longer references it, while the application runs; without it they stay until the application ends.',
    default: true,
  }),
  REDUCER_MAX_SIZE_IN_FLIGHT: bytesEntry({
    key: 'spark.reducer.maxSizeInFlight',
    category: 'Execution',
    doc: 'Bytes of remote shuffle blocks a reduce task requests and holds at once per shuffle it reads (a bare number is in MiB); a reader merging sorted blocks may hold one more 1 MiB chunk per block.',
    default: 48 * 1024 * 1024,
    defaultText: '48m',
    unit: 'm',
  }),
  BROADCAST_BLOCK_SIZE: bytesEntry({
    key: 'spark.broadcast.blockSize',
    category: 'Execution',
    doc: 'Size of the pieces a broadcast value is cut into on a cluster (a bare number is in KiB); executors fetch pieces from the driver and from each other. Local mode passes values to its threads whole.',
    default: 4 * 1024 * 1024,
    defaultText: '4m',
    unit: 'k',
  }),
  BROADCAST_CHECKSUM: booleanEntry({
    key: 'spark.broadcast.checksum',
    category: 'Execution',
    doc: 'Whether each broadcast piece carries a checksum (CRC-32) that executors verify; a piece that fails is fetched again from another holder.',
    default: true,
  }),
  TASK_MAX_DIRECT_RESULT_SIZE: bytesEntry({
    key: 'spark.task.maxDirectResultSize',
    category: 'Execution',
    doc: "A cluster executor sends a task result up to this size (a bare number is in bytes) inside its status update; a larger one is kept in the executor's block manager as taskresult_<taskId> and fetched by the driver from its block server. Capped below spark.rpc.message.maxSize. Local mode always passes results directly.",
    default: 1024 * 1024,
    defaultText: '1m',
  }),
  STAGE_MAX_CONSECUTIVE_ATTEMPTS: intEntry({
    key: 'spark.stage.maxConsecutiveAttempts',
    category: 'Execution',
    doc: 'Consecutive attempts of a stage (after fetch failures) before the job is aborted.',
    default: 4,
    min: 1,
  }),

  // --- Network and security ---------------------------------------------
  NETWORK_TIMEOUT: durationEntry({
    key: 'spark.network.timeout',
    category: 'Network and security',
    doc: 'Default timeout for network interactions; an executor silent for longer is considered lost.',
    default: 120_000,
    unit: 's',
  }),
  RPC_ASK_TIMEOUT: durationEntry({
    key: 'spark.rpc.askTimeout',
    category: 'Network and security',
    doc: 'Timeout of a request/response call on the driver endpoint.',
    defaultText: 'spark.network.timeout',
    unit: 's',
  }),
  RPC_MESSAGE_MAX_SIZE: bytesEntry({
    key: 'spark.rpc.message.maxSize',
    category: 'Network and security',
    doc: 'Largest message between driver, executors and block servers (a bare number is in MiB); set the same on every process.',
    default: 128 * 1024 * 1024,
    defaultText: '128m',
    unit: 'm',
  }),
  BLOCK_MANAGER_PORT: intEntry({
    key: 'spark.blockManager.port',
    category: 'Network and security',
    doc: "Port of each executor's block server (shuffle fetches from other executors); 0 picks a free port. A busy fixed port is retried on the next 16 ports.",
    default: 0,
    min: 0,
  }),
  AUTHENTICATE_SECRET: stringEntry({
    key: 'spark.authenticate.secret',
    category: 'Network and security',
    doc: 'Shared secret of the application. Normally generated per application and never set by hand; always redacted.',
    defaultText: 'a random secret per application',
  }),
  REDACTION_REGEX: stringEntry({
    key: 'spark.redaction.regex',
    category: 'Network and security',
    doc: 'Keys or values matching this regular expression are redacted wherever configuration is printed (added to the built-in pattern).',
    default: '(?i)secret|password|token|access[.]?key',
  }),

  // --- YARN --------------------------------------------------------------
  YARN_QUEUE: stringEntry({
    key: 'spark.yarn.queue',
    category: 'YARN',
    doc: 'YARN queue to submit to (--queue).',
    default: 'default',
  }),
  YARN_DIST_FILES: stringEntry({
    key: 'spark.yarn.dist.files',
    category: 'YARN',
    doc: 'Comma-separated files placed in the working directory of each container (--files on YARN).',
  }),
  YARN_DIST_ARCHIVES: stringEntry({
    key: 'spark.yarn.dist.archives',
    category: 'YARN',
    doc: 'Comma-separated archives extracted into the working directory of each container; `a.tgz#name` picks the link name (--archives on YARN).',
  }),
  YARN_AM_MEMORY: memoryEntry({
    key: 'spark.yarn.am.memory',
    category: 'YARN',
    doc: 'Heap of the ApplicationMaster in client mode (in cluster mode spark.driver.memory applies).',
    default: 512,
  }),
  YARN_AM_CORES: intEntry({
    key: 'spark.yarn.am.cores',
    category: 'YARN',
    doc: 'Cores of the ApplicationMaster container in client mode.',
    default: 1,
    min: 1,
  }),
  YARN_AM_MEMORY_OVERHEAD: memoryEntry({
    key: 'spark.yarn.am.memoryOverhead',
    category: 'YARN',
    doc: 'Memory outside the heap added to the ApplicationMaster container in client mode.',
    defaultText: 'max(384m, 0.10 x spark.yarn.am.memory)',
  }),
  YARN_MAX_APP_ATTEMPTS: intEntry({
    key: 'spark.yarn.maxAppAttempts',
    category: 'YARN',
    doc: 'Attempts of the ApplicationMaster.',
    min: 1,
    defaultText: 'yarn.resourcemanager.am.max-attempts',
  }),
  YARN_AM_ATTEMPT_FAILURE_VALIDITY: durationEntry({
    key: 'spark.yarn.am.attemptFailuresValidityInterval',
    category: 'YARN',
    doc: 'AM failures older than this do not count towards spark.yarn.maxAppAttempts.',
    defaultText: 'none (all failures count)',
  }),
  YARN_AM_WAIT_TIME: durationEntry({
    key: 'spark.yarn.am.waitTime',
    category: 'YARN',
    doc: 'In cluster mode, how long the AM waits for the application to create its SparkContext; in client mode, how long it tries to reach the driver in tspark-submit.',
    default: 100_000,
  }),
  YARN_MAX_EXECUTOR_FAILURES: intEntry({
    key: 'spark.yarn.max.executor.failures',
    category: 'YARN',
    doc: 'Executor failures after which the application fails.',
    defaultText: 'max(2 x spark.executor.instances, 3)',
    min: 1,
  }),
  YARN_SCHEDULER_HEARTBEAT: durationEntry({
    key: 'spark.yarn.scheduler.heartbeat.interval-ms',
    category: 'YARN',
    doc: 'Interval of the AM allocate heartbeat to the ResourceManager (capped at half the RM liveness expiry).',
    default: 3000,
  }),
  YARN_WAIT_COMPLETION: booleanEntry({
    key: 'spark.yarn.submit.waitAppCompletion',
    category: 'YARN',
    doc: 'In cluster mode, wait for the application to finish before exiting.',
    default: true,
  }),
  YARN_REPORT_INTERVAL: durationEntry({
    key: 'spark.yarn.report.interval',
    category: 'YARN',
    doc: 'Interval between application report polls while waiting.',
    default: 1000,
  }),
  YARN_REPORT_LOGGING_FREQUENCY: intEntry({
    key: 'spark.yarn.report.loggingFrequency',
    category: 'YARN',
    doc: 'Log an unchanged application report only every this many polls.',
    default: 30,
    min: 1,
  }),
  YARN_STAGING_DIR: stringEntry({
    key: 'spark.yarn.stagingDir',
    category: 'YARN',
    doc: 'Base of the staging directory; the application stages into <this>/<user>/.sparkStaging/<appId>.',
    defaultText: "the user's HDFS home directory",
  }),
  YARN_PRESERVE_STAGING: booleanEntry({
    key: 'spark.yarn.preserve.staging.files',
    category: 'YARN',
    doc: 'Keep the staging directory after the application ends.',
    default: false,
  }),
  YARN_SUBMIT_FILE_REPLICATION: intEntry({
    key: 'spark.yarn.submit.file.replication',
    category: 'YARN',
    doc: 'HDFS replication of staged files.',
    defaultText: 'dfs.replication of the cluster',
    min: 1,
  }),
  YARN_ARCHIVE: stringEntry({
    key: 'spark.yarn.archive',
    category: 'YARN',
    doc: 'HDFS path of the tspark runtime archive shared by all submissions of this version; uploaded once when absent.',
    defaultText: 'a per-version path under the staging base',
  }),
  YARN_TAGS: stringEntry({
    key: 'spark.yarn.tags',
    category: 'YARN',
    doc: 'Comma-separated YARN application tags.',
  }),
  YARN_EXECUTOR_COMMAND: stringEntry({
    key: 'spark.tspark.yarn.executorCommand',
    category: 'YARN',
    doc: 'Stop-gap until the distributed executor exists: a shell command each executor container runs instead of the executor entry (node_modules/tspark/dist/src/executor/main.js). Tasks run inside the ApplicationMaster in this build.',
    defaultText: 'the tspark executor entry under node',
  }),
  YARN_APPLICATION_TYPE: stringEntry({
    key: 'spark.yarn.applicationType',
    category: 'YARN',
    doc: 'YARN application type shown by the ResourceManager.',
    default: 'SPARK',
  }),
} satisfies Record<string, ConfigEntry<unknown>>;

/** Key families whose last part the user chooses. */
export const CONFIG_PREFIXES: readonly ConfigPrefix[] = [
  prefixEntry({
    prefix: 'spark.executorEnv.',
    placeholder: '<NAME>',
    category: 'Executor',
    doc: 'Environment variable NAME of every executor process.',
  }),
  prefixEntry({
    prefix: 'spark.yarn.appMasterEnv.',
    placeholder: '<NAME>',
    category: 'YARN',
    doc: 'Environment variable NAME of the ApplicationMaster (and so of the driver in cluster mode).',
  }),
  prefixEntry({
    prefix: 'spark.hadoop.',
    placeholder: '<key>',
    category: 'YARN',
    doc: 'Hadoop configuration key set on top of the site files of HADOOP_CONF_DIR.',
  }),
];

export const ALL_ENTRIES: readonly ConfigEntry<unknown>[] = Object.values(Config);

const BY_KEY = new Map<string, ConfigEntry<unknown>>(ALL_ENTRIES.map((e) => [e.key, e]));

export function findEntry(key: string): ConfigEntry<unknown> | undefined {
  return BY_KEY.get(key);
}

/** Built-in pattern of secret-looking keys or values, always applied. */
export const SECRET_KEY_PATTERN = /secret|password|token|credential|access[.]?key|(^|\.)key$/i;

export const REDACTED = '*********(redacted)';

/**
 * Turns a Java regular expression as written in spark.redaction.regex into a
 * JS one: Java's inline `(?i)` flag becomes the `i` flag. Returns undefined
 * for an expression JS cannot compile (the built-in pattern still applies).
 */
export function compileRedactionRegex(javaRegex: string | undefined): RegExp | undefined {
  if (!javaRegex) return undefined;
  let source = javaRegex;
  let flags = '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/**
 * The value to print for key=value: redacted when the key or the value looks
 * secret (Spark's Utils.redact checks both), by the built-in pattern or an
 * extra one (from spark.redaction.regex).
 */
export function redactValue(key: string, value: string, extra?: RegExp): string {
  const hit = (re: RegExp): boolean => re.test(key) || re.test(value);
  return hit(SECRET_KEY_PATTERN) || (extra !== undefined && hit(extra)) ? REDACTED : value;
}
