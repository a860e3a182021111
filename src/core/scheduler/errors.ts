import { ExitCode, TsparkError } from '../../errors.js';
import type { RemoteError } from '../executor/task-result.js';

/**
 * A job that failed: names the stage, the partition and the attempt count,
 * and carries the user's error from the task (message and stack) as `cause`
 * and in `stack`, so the reader sees where in their code it happened.
 */
export class JobFailedError extends TsparkError {
  readonly remote: RemoteError | undefined;

  constructor(message: string, options: { jobId: number; stageId?: number; partition?: number; remote?: RemoteError }) {
    const cause = options.remote ? remoteToError(options.remote) : undefined;
    super('JOB_FAILED', message, {
      exitCode: ExitCode.APP_FAILED,
      ...(cause ? { cause } : {}),
      context: { jobId: options.jobId, stageId: options.stageId, partition: options.partition },
    });
    this.remote = options.remote;
    if (options.remote?.stack) this.stack = `${this.name}: ${message}\nTask stack trace:\n${options.remote.stack}`;
  }
}

function remoteToError(r: RemoteError): Error {
  const e = new Error(r.message);
  e.name = r.name;
  if (r.stack) e.stack = r.stack;
  if (r.code) (e as Error & { code?: string }).code = r.code;
  return e;
}

/** The SparkContext was stopped while a job was running or submitted. */
export class ContextStoppedError extends TsparkError {
  constructor(what: string) {
    super('CONTEXT_STOPPED', `${what}: the SparkContext was stopped. Run actions before sc.stop().`, { exitCode: ExitCode.APP_FAILED });
  }
}
