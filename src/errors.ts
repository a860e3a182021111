/**
 * One error taxonomy for the whole project.
 *
 * Every error a user can cause or meet is a `TsparkError` with a stable `code`,
 * the process exit code the CLI uses for it, whether retrying may help, the
 * underlying cause, and context (appId, host, path, ...). Messages say what
 * happened and what to do. Errors reach the user in exactly one place per
 * process (the CLI's and the AM's `main`), which prints `Error: …` and exits
 * with `exitCode`.
 */

/** Exit codes, documented in docs/exit-codes.md. Stable: scripts depend on them. */
export const ExitCode = {
  OK: 0,
  /** A failure we did not classify (a bug, or an unexpected remote error). */
  INTERNAL: 1,
  /** Bad command line: unknown flag, malformed value, missing entry file. */
  USAGE: 2,
  /** Bad configuration: properties file, site XML, inconsistent settings. */
  CONFIG: 3,
  /** The application ran and failed (job failure, FAILED final status). */
  APP_FAILED: 4,
  /** The application was killed (KILLED final status). */
  APP_KILLED: 5,
  /** A remote service (RM, NameNode, NodeManager) is unreachable or refused us. */
  REMOTE: 6,
  /** A requested resource exceeds what the cluster can give. */
  RESOURCES: 7,
  /** A file or application that was named does not exist. */
  NOT_FOUND: 8,
  /** Permission denied by HDFS or YARN. */
  PERMISSION: 9,
  // Submission validation (tspark-submit): one code per mistake, so scripts can tell them apart.
  /** --master (or spark.master / MASTER) is not a master URL we know. */
  BAD_MASTER_URL: 20,
  /** --deploy-mode cluster with a local master. */
  DEPLOY_MODE_CONFLICT: 21,
  /** The application entry file does not exist or is not a module we can load. */
  ENTRY_NOT_FOUND: 22,
  /** --class (or the default export) is not exported by the entry module. */
  EXPORT_NOT_FOUND: 23,
  /** A memory or size value does not parse. */
  BAD_SIZE: 24,
  /** Driver or executor memory below the minimum tspark can honour. */
  MEMORY_TOO_SMALL: 25,
  /** --num-executors / spark.executor.instances is 0 or negative. */
  BAD_EXECUTOR_COUNT: 26,
  /** --properties-file names a file that does not exist or cannot be read. */
  PROPERTIES_FILE_NOT_FOUND: 27,
  /** HADOOP_CONF_DIR / YARN_CONF_DIR unset or unreadable when the master is yarn. */
  HADOOP_CONF_MISSING: 28,
  /** A Hadoop site XML file is malformed. */
  HADOOP_CONF_MALFORMED: 29,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorContext {
  [key: string]: string | number | boolean | undefined;
}

export interface TsparkErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  context?: ErrorContext;
  exitCode?: ExitCodeValue;
}

export class TsparkError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: TsparkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.INTERNAL;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** A mistake on the command line. */
export class UsageError extends TsparkError {
  constructor(code: string, message: string, options: TsparkErrorOptions = {}) {
    super(code, message, { exitCode: ExitCode.USAGE, ...options });
  }
}

/** A mistake in configuration files or values. */
export class ConfigError extends TsparkError {
  constructor(code: string, message: string, options: TsparkErrorOptions = {}) {
    super(code, message, { exitCode: ExitCode.CONFIG, ...options });
  }
}

export function isTsparkError(e: unknown): e is TsparkError {
  return e instanceof TsparkError;
}
