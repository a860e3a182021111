import type { HadoopConf } from '../conf/hadoop-conf.js';
import type { SparkConf } from '../conf/spark-conf.js';

/**
 * What the command line asked for, as raw strings, before precedence and
 * validation (Spark's SparkSubmitArguments after option parsing). Undefined
 * means "not given on the command line".
 */
export interface SubmitArguments {
  master?: string;
  deployMode?: string;
  /** --class: the export of the entry module to run. */
  mainExport?: string;
  name?: string;
  /** Every --conf value, in order, unparsed ("key=value"). */
  conf: string[];
  propertiesFile?: string;
  driverMemory?: string;
  driverCores?: string;
  executorMemory?: string;
  executorCores?: string;
  numExecutors?: string;
  queue?: string;
  files?: string;
  archives?: string;
  verbose: boolean;
  kill?: string;
  status?: string;
  /** The application entry file, as typed. */
  entry?: string;
  /** Everything after the entry file, untouched. */
  appArgs: string[];
}

export function emptySubmitArguments(): SubmitArguments {
  return { conf: [], verbose: false, appArgs: [] };
}

export type SubmitAction = 'submit' | 'kill' | 'status';
export type SubmitMode = 'local' | 'local-cluster' | 'yarn-cluster' | 'yarn-client';

/**
 * The planner's output (Spark's prepareSubmitEnvironment): everything the
 * runner of `mode` needs, already validated. See docs/cli.md, "Dispatch".
 */
export interface SubmitPlan {
  action: SubmitAction;
  mode: SubmitMode;
  /** The master URL after legacy mapping: `local[*]` stays as written, `yarn-cluster` becomes `yarn`. */
  master: string;
  deployMode: 'client' | 'cluster';
  /** Absolute path of the entry module (submit only). */
  entry?: string;
  /** The export of the entry module to call: 'default' unless --class. */
  mainExport: string;
  appArgs: string[];
  /** The effective configuration: spark.master, spark.submit.deployMode and spark.app.name always set. */
  conf: SparkConf;
  /** --files, resolved: local paths absolute, URIs as given. */
  files: string[];
  /** --archives, resolved likewise; a `#name` suffix is kept. */
  archives: string[];
  verbose: boolean;
  /** Messages for the user (deprecations, ignored keys); the CLI prints them as `Warning: ...`. */
  warnings: string[];
  /** The application to kill or report on (kill/status). */
  appId?: string;
  /** local[K,F]: resolved task threads (`*` = cores) and attempts per task. */
  local?: { threads: number; maxFailures: number };
  /** local-cluster[N,C,M]. */
  localCluster?: { executors: number; coresPerExecutor: number; memoryMiB: number };
  /** The properties file that was read, if any. */
  propertiesFile?: string;
  /** YARN modes: the directories read and the Hadoop configuration (site files + spark.hadoop.*). */
  hadoopConfDirs?: string[];
  hadoopConf?: HadoopConf;
  /** The user the application runs as (HADOOP_USER_NAME, else the OS user). */
  user: string;
}
