import { ExitCode, TsparkError, type TsparkErrorOptions } from '../../errors.js';

/**
 * Errors of the file layer. Each names the path it is about (in `context.path`) and
 * what to do; operating-system error codes are turned into these in one place
 * (`fromSystemError`), so callers branch on `code`, never on message text.
 */

export class FileNotFoundError extends TsparkError {
  constructor(path: string, options: TsparkErrorOptions & { message?: string } = {}) {
    super(
      'FILE_NOT_FOUND',
      options.message ??
        `File not found: ${path}. Check the path; a path without a scheme is on the default file system (fs.defaultFS: local unless a Hadoop configuration sets HDFS).`,
      { exitCode: ExitCode.NOT_FOUND, ...options, context: { path, ...options.context } },
    );
  }
}

export class FileAlreadyExistsError extends TsparkError {
  constructor(path: string, options: TsparkErrorOptions = {}) {
    super('FILE_EXISTS', `File already exists: ${path}. Remove it first or write to another path.`, {
      exitCode: ExitCode.APP_FAILED,
      ...options,
      context: { path, ...options.context },
    });
  }
}

/** Spark refuses to write into an existing output directory (spark.hadoop.validateOutputSpecs). */
export class OutputExistsError extends TsparkError {
  constructor(path: string, options: TsparkErrorOptions = {}) {
    super(
      'OUTPUT_EXISTS',
      `Output directory ${path} already exists. Delete it first (for example \`rm -r\` locally or ` +
        `\`hdfs dfs -rm -r\` on HDFS) or choose another output path.`,
      { exitCode: ExitCode.APP_FAILED, ...options, context: { path, ...options.context } },
    );
  }
}

export class PermissionDeniedError extends TsparkError {
  constructor(path: string, user: string | undefined, operation: string, options: TsparkErrorOptions = {}) {
    super(
      'PERMISSION_DENIED',
      `Permission denied: ${operation} ${path}` +
        (user === undefined ? '' : ` as user ${user}`) +
        `. Check the permissions of the path and its parent directories, or run as a user allowed to ${operation} it.`,
      { exitCode: ExitCode.PERMISSION, ...options, context: { path, user, operation, ...options.context } },
    );
  }
}

export class UnsupportedSchemeError extends TsparkError {
  constructor(scheme: string, path: string, known: readonly string[]) {
    super(
      'UNSUPPORTED_SCHEME',
      `No file system for scheme '${scheme}' (path ${path}). Supported schemes: ${known.join(', ')}; ` +
        `a path without a scheme is on the default file system (fs.defaultFS).`,
      { exitCode: ExitCode.USAGE, context: { scheme, path } },
    );
  }
}

/** An input path that cannot be read as text input (a subdirectory, an unknown codec). */
export class InvalidInputError extends TsparkError {
  constructor(code: string, path: string, message: string) {
    super(code, message, { exitCode: ExitCode.APP_FAILED, context: { path } });
  }
}

/** A task attempt lost the race to commit its partition: another attempt already did. */
export class TaskCommitDeniedError extends TsparkError {
  /** `jobEnded`: the job already failed or committed, so nothing of this attempt may land in the output. */
  constructor(
    partition: number,
    attempt: number,
    outputDir: string,
    reason: 'committed' | 'jobEnded' = 'committed',
  ) {
    super(
      'TASK_COMMIT_DENIED',
      reason === 'committed'
        ? `Commit of partition ${partition} attempt ${attempt} denied: another attempt of the same partition ` +
            `already committed its output to ${outputDir}. This attempt's output was discarded.`
        : `Commit of partition ${partition} attempt ${attempt} denied: the job writing ${outputDir} has already ` +
            `ended (failed, or committed without this attempt). This attempt's output was discarded.`,
      { exitCode: ExitCode.APP_FAILED, retriable: false, context: { partition, attempt, path: outputDir } },
    );
  }
}

/** Any other I/O failure, keeping the system error as `cause`. */
export class FileSystemError extends TsparkError {
  constructor(path: string, operation: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('IO_ERROR', `I/O error during ${operation} of ${path}: ${detail}`, {
      exitCode: ExitCode.INTERNAL,
      retriable: true,
      cause,
      context: { path, operation },
    });
  }
}

/** Maps a Node.js system error (errno code) to the file layer's error for `path`. */
export function fromSystemError(err: unknown, path: string, operation: string, user?: string): Error {
  if (err instanceof TsparkError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new FileNotFoundError(path, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new PermissionDeniedError(path, user, operation, { cause: err });
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new FileAlreadyExistsError(path, { cause: err });
    default:
      return new FileSystemError(path, operation, err);
  }
}
