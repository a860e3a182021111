import { finished } from 'node:stream/promises';
import {
  FileAlreadyExistsError,
  InvalidInputError,
  OutputExistsError,
  TaskCommitDeniedError,
} from './errors.js';
import type { FileSystem } from './file-system.js';
import { baseName, joinPath } from './paths.js';

/**
 * Hadoop's FileOutputCommitter, algorithm version 1, as Spark's saveAsTextFile uses it.
 *
 *   <out>/_temporary/<appAttempt>/_temporary/<taskAttempt>/part-00003   task writes here (taskAttemptPath)
 *        --commitTask (rename)-->
 *   <out>/_temporary/<appAttempt>/<task>/part-00003                     committed task
 *        --commitJob (rename each file)-->
 *   <out>/part-00003, then _temporary removed and an empty <out>/_SUCCESS written
 *
 * Every step is a rename, so a reader of <out> never sees a partial file, and output
 * of failed or duplicate attempts never leaves `_temporary`. Only one attempt per
 * partition commits: the committed-task directory is the lock, since renaming onto
 * an existing path fails (FileSystem.rename contract). The first commit wins, the
 * way Spark's OutputCommitCoordinator lets only the first attempt commit; a later
 * attempt gets TaskCommitDeniedError and its files are discarded.
 *
 * One instance lives on the driver (setupJob/commitJob/abortJob); tasks may build
 * their own instance with the same arguments to call commitTask/abortTask.
 *
 * A task may still be running when its job fails (the scheduler does not wait for
 * it): its file creation then brings `<out>/_temporary/...` back after abortJob
 * removed `<out>`. So setupJob leaves a fence file (JOB_FENCE_PREFIX + job id) in the job attempt directory,
 * gone with `_temporary` at commitJob/abortJob; a task that finds it missing at
 * commitTask or abortTask is denied and removes `<out>/_temporary` (and `<out>`
 * itself when that leaves it empty), so a failed job leaves nothing behind.
 */

/** Name of the marker written into a committed output directory. */
export const SUCCESS_FILE = '_SUCCESS';
/** Directory under the output that holds uncommitted work. */
export const TEMPORARY_DIR = '_temporary';
/** `_job_open_<jobId>`: empty file in the job attempt directory while the job's tasks may commit (see the class comment). */
export const JOB_FENCE_PREFIX = '_job_open_';

/** `part-00003`: the 5-digit partition file name Hadoop and Spark write. */
export function partFileName(partition: number): string {
  return `part-${String(partition).padStart(5, '0')}`;
}

export interface FileOutputCommitterOptions {
  /** The application attempt, first path level under `_temporary` (Hadoop: 0 unless the AM restarted). */
  appAttempt?: number;
}

export class FileOutputCommitter {
  readonly appAttempt: number;
  /** Whether setupJob of this instance created the output directory (abortJob then removes it). */
  private createdOutputDir = false;
  /** Partition -> attempt committed through this instance. */
  private readonly committedAttempts = new Map<number, number>();

  constructor(
    private readonly fs: FileSystem,
    readonly outputDir: string,
    readonly jobId: string,
    options: FileOutputCommitterOptions = {},
  ) {
    if (!/^[A-Za-z0-9_.-]+$/.test(jobId)) {
      throw new InvalidInputError(
        'INVALID_JOB_ID',
        outputDir,
        `Job id '${jobId}' cannot name a directory: use letters, digits, '_', '.' or '-'.`,
      );
    }
    this.appAttempt = options.appAttempt ?? 0;
    this.outputDir = outputDir.replace(/(?<=.)\/+$/, '');
  }

  /** `<out>/_temporary/<appAttempt>` */
  get jobAttemptPath(): string {
    return joinPath(joinPath(this.outputDir, TEMPORARY_DIR), String(this.appAttempt));
  }

  /** Directory of one attempt: `<out>/_temporary/<appAttempt>/_temporary/attempt_<job>_m_<p>_<a>`. */
  taskAttemptDir(partition: number, attempt: number): string {
    return joinPath(joinPath(this.jobAttemptPath, TEMPORARY_DIR), this.attemptName(partition, attempt));
  }

  /** The file a task attempt writes: `taskAttemptDir(...)/part-NNNNN`. */
  taskAttemptPath(partition: number, attempt: number): string {
    return joinPath(this.taskAttemptDir(partition, attempt), partFileName(partition));
  }

  /** Where a committed task's files wait for job commit: `<out>/_temporary/<appAttempt>/task_<job>_m_<p>`. */
  committedTaskPath(partition: number): string {
    return joinPath(this.jobAttemptPath, `task_${this.jobId}_m_${pad6(partition)}`);
  }

  /** Fails with OUTPUT_EXISTS if the output directory exists (Spark's validateOutputSpecs), then creates the job's work area. */
  async setupJob(): Promise<void> {
    if (await this.fs.exists(this.outputDir)) throw new OutputExistsError(this.outputDir);
    await this.fs.mkdirs(this.jobAttemptPath);
    this.createdOutputDir = true;
    const fence = await this.fs.create(this.fencePath);
    fence.end();
    await finished(fence);
  }

  private get fencePath(): string {
    return joinPath(this.jobAttemptPath, JOB_FENCE_PREFIX + this.jobId);
  }

  /** After the job ended: removes what a late task brought back (`_temporary`, and `<out>` if then empty). */
  private async removeLateWork(): Promise<void> {
    // A newer job writing the same directory has its own fence there: leave its work alone.
    const entries = await this.fs.list(this.jobAttemptPath).catch(() => []);
    if (entries.some((e) => baseName(e.path).startsWith(JOB_FENCE_PREFIX))) return;
    await this.fs.delete(joinPath(this.outputDir, TEMPORARY_DIR), true);
    // Non-recursive: a committed output (part files, _SUCCESS) is never touched.
    await this.fs.delete(this.outputDir, false).catch(() => false);
  }

  /** Moves the attempt's output to the committed-task location; first commit per partition wins. */
  async commitTask(partition: number, attempt: number): Promise<void> {
    // Committing the same attempt again (a retried call) is not a second commit.
    if (this.committedAttempts.get(partition) === attempt) return;
    const attemptPath = this.taskAttemptDir(partition, attempt);
    if (!(await this.fs.exists(this.fencePath))) {
      await this.fs.delete(attemptPath, true);
      await this.removeLateWork();
      throw new TaskCommitDeniedError(partition, attempt, this.outputDir, 'jobEnded');
    }
    const committed = this.committedTaskPath(partition);
    try {
      if (await this.fs.exists(attemptPath)) {
        await this.fs.rename(attemptPath, committed);
        // On HDFS, a rename that raced past the destination check moves the source
        // *into* the existing directory instead of failing. Detect that and lose.
        const nested = joinPath(committed, baseName(attemptPath));
        if (await this.fs.exists(nested)) {
          await this.fs.delete(nested, true);
          throw new FileAlreadyExistsError(committed);
        }
      } else {
        // The attempt wrote nothing (Hadoop logs "No Output found"). Still claim the
        // partition, with an exclusively created empty file that commitJob skips, so a
        // later attempt cannot commit different output.
        const claim = await this.fs.create(committed);
        claim.end();
        await finished(claim);
      }
    } catch (e) {
      if (e instanceof FileAlreadyExistsError) {
        await this.fs.delete(attemptPath, true);
        throw new TaskCommitDeniedError(partition, attempt, this.outputDir);
      }
      throw e;
    }
    this.committedAttempts.set(partition, attempt);
  }

  /** Discards an attempt's output. Safe to call for an attempt that wrote nothing. */
  async abortTask(partition: number, attempt: number): Promise<void> {
    await this.fs.delete(this.taskAttemptDir(partition, attempt), true);
    if (!(await this.fs.exists(this.fencePath))) await this.removeLateWork();
  }

  /**
   * Moves every committed task's files into the output directory, removes
   * `_temporary`, and writes `_SUCCESS`.
   */
  async commitJob(): Promise<void> {
    const jobAttempt = this.jobAttemptPath;
    if (await this.fs.exists(jobAttempt)) {
      for (const task of await this.fs.list(jobAttempt)) {
        if (!task.isDirectory || baseName(task.path) === TEMPORARY_DIR) continue;
        await this.mergeInto(task.path, this.outputDir);
      }
    }
    await this.fs.delete(joinPath(this.outputDir, TEMPORARY_DIR), true);
    const marker = await this.fs.create(joinPath(this.outputDir, SUCCESS_FILE), { overwrite: true });
    marker.end();
    await finished(marker);
  }

  /**
   * Removes what the job wrote: `_temporary`, and the whole output directory if
   * this instance's setupJob created it (so no part- file and no _SUCCESS remain).
   * Never touches a directory the job did not create.
   */
  async abortJob(): Promise<void> {
    if (!this.createdOutputDir) return;
    await this.fs.delete(this.outputDir, true);
    this.createdOutputDir = false;
  }

  /** Hadoop's mergePaths: files are renamed into `dst`, directories merged recursively. */
  private async mergeInto(srcDir: string, dstDir: string): Promise<void> {
    for (const entry of await this.fs.list(srcDir)) {
      const target = joinPath(dstDir, baseName(entry.path));
      if (entry.isDirectory && (await this.fs.exists(target))) await this.mergeInto(entry.path, target);
      else await this.fs.rename(entry.path, target);
    }
  }

  private attemptName(partition: number, attempt: number): string {
    return `attempt_${this.jobId}_m_${pad6(partition)}_${attempt}`;
  }
}

function pad6(n: number): string {
  return String(n).padStart(6, '0');
}
