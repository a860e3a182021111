import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import { FileOutputCommitter, partFileName } from '../../../../src/core/io/output-committer.js';
import { writeTextPartition } from '../../../../src/core/io/text-output.js';
import { makeTempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => cleanup());

const fs = new LocalFileSystem();

/** Every file under `root`, relative, sorted (directories implied). */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(root, p));
    }
  };
  await walk(root);
  return out.sort();
}

async function* batches(lines: string[]): AsyncGenerator<string[]> {
  yield lines;
}

async function writeAttempt(c: FileOutputCommitter, partition: number, attempt: number, lines: string[]) {
  return writeTextPartition(fs, c.taskAttemptPath(partition, attempt), batches(lines));
}

describe('FileOutputCommitter (v1)', () => {
  it('names part files with 5 digits', () => {
    expect(partFileName(0)).toBe('part-00000');
    expect(partFileName(123)).toBe('part-00123');
    expect(partFileName(123456)).toBe('part-123456');
  });

  it('uses the Hadoop v1 layout for attempts and committed tasks', () => {
    const c = new FileOutputCommitter(fs, '/o/', '20261123_0001');
    expect(c.taskAttemptPath(3, 1)).toBe(
      '/o/_temporary/0/_temporary/attempt_20261123_0001_m_000003_1/part-00003',
    );
    expect(c.taskAttemptDir(3, 1)).toBe('/o/_temporary/0/_temporary/attempt_20261123_0001_m_000003_1');
    expect(c.committedTaskPath(3)).toBe('/o/_temporary/0/task_20261123_0001_m_000003');
    expect(() => new FileOutputCommitter(fs, '/o', '../x')).toThrow(/Job id/);
  });

  it('happy path: part files and an empty _SUCCESS, no _temporary', async () => {
    const out = join(dir, 'out');
    const c = new FileOutputCommitter(fs, out, 'job1');
    await c.setupJob();
    const data = [['a', 'b'], ['c'], [], ['d', 'é']];
    for (let p = 0; p < data.length; p++) {
      await writeAttempt(c, p, 0, data[p]!);
      // Nothing is visible in the output before job commit.
      expect((await readdir(out)).sort()).toEqual(['_temporary']);
      await c.commitTask(p, 0);
    }
    await c.commitJob();
    expect(await tree(out)).toEqual(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002', 'part-00003']);
    expect(await readFile(join(out, '_SUCCESS'), 'utf8')).toBe('');
    for (let p = 0; p < data.length; p++) {
      const expected = data[p]!.map((l) => l + '\n').join('');
      expect(await readFile(join(out, partFileName(p)), 'utf8')).toBe(expected);
    }
  });

  it('refuses an existing output directory at setupJob, naming it and the fix, and abortJob leaves it alone', async () => {
    const out = join(dir, 'existing');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'precious');
    const c = new FileOutputCommitter(fs, out, 'job1');
    const err = await c.setupJob().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OUTPUT_EXISTS', context: { path: out } });
    expect((err as Error).message).toContain(out);
    expect((err as Error).message).toMatch(/Delete it|another output path/);
    await c.abortJob();
    expect(await readFile(join(out, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('abortJob leaves no part files, no _SUCCESS, no output directory', async () => {
    const out = join(dir, 'out');
    const c = new FileOutputCommitter(fs, out, 'job1');
    await c.setupJob();
    await writeAttempt(c, 0, 0, ['x']);
    await c.commitTask(0, 0);
    await writeAttempt(c, 1, 0, ['y']); // running when the job failed
    await c.abortJob();
    expect(await fs.exists(out)).toBe(false);
    expect(await tree(dir)).toEqual([]);
  });

  it('a failed attempt followed by a successful retry: only the retry is in the output', async () => {
    const out = join(dir, 'out');
    const c = new FileOutputCommitter(fs, out, 'job1');
    await c.setupJob();
    await writeAttempt(c, 0, 0, ['partial']);
    await c.abortTask(0, 0);
    await writeAttempt(c, 0, 1, ['full', 'output']);
    await c.commitTask(0, 1);
    // Partition 1: the first attempt died without cleaning up (executor lost).
    await writeAttempt(c, 1, 0, ['orphan']);
    await writeAttempt(c, 1, 1, ['good']);
    await c.commitTask(1, 1);
    await c.commitJob();
    expect(await tree(out)).toEqual(['_SUCCESS', 'part-00000', 'part-00001']);
    expect(await readFile(join(out, 'part-00000'), 'utf8')).toBe('full\noutput\n');
    expect(await readFile(join(out, 'part-00001'), 'utf8')).toBe('good\n');
  });

  it('duplicate attempts: the first commit wins, later ones are denied and discarded', async () => {
    const out = join(dir, 'out');
    const driver = new FileOutputCommitter(fs, out, 'job1');
    await driver.setupJob();
    await writeAttempt(driver, 0, 0, ['from attempt 0']);
    await writeAttempt(driver, 0, 1, ['from attempt 1']);
    await writeAttempt(driver, 0, 2, ['from attempt 2']);
    await driver.commitTask(0, 1);
    await driver.commitTask(0, 1); // the same attempt again: not a second commit
    await expect(driver.commitTask(0, 0)).rejects.toMatchObject({
      code: 'TASK_COMMIT_DENIED',
      retriable: false,
    });
    // An executor's own committer instance sees the same outcome.
    const executorSide = new FileOutputCommitter(fs, out, 'job1');
    await expect(executorSide.commitTask(0, 2)).rejects.toMatchObject({ code: 'TASK_COMMIT_DENIED' });
    await driver.commitJob();
    expect(await tree(out)).toEqual(['_SUCCESS', 'part-00000']);
    expect(await readFile(join(out, 'part-00000'), 'utf8')).toBe('from attempt 1\n');
  });

  it('concurrent commits of the same partition: exactly one succeeds', async () => {
    const out = join(dir, 'out');
    const c = new FileOutputCommitter(fs, out, 'job1');
    await c.setupJob();
    const attempts = [0, 1, 2, 3];
    for (const a of attempts) await writeAttempt(c, 7, a, [`attempt ${a}`]);
    const results = await Promise.allSettled(
      attempts.map((a) => new FileOutputCommitter(fs, out, 'job1').commitTask(7, a)),
    );
    const winners = attempts.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    await c.commitJob();
    expect(await readFile(join(out, 'part-00007'), 'utf8')).toBe(`attempt ${winners[0]}\n`);
  });

  it('an attempt that wrote nothing still claims its partition', async () => {
    const out = join(dir, 'out');
    const c = new FileOutputCommitter(fs, out, 'job1');
    await c.setupJob();
    await c.commitTask(0, 0);
    await writeAttempt(c, 0, 1, ['late duplicate']);
    await expect(c.commitTask(0, 1)).rejects.toMatchObject({ code: 'TASK_COMMIT_DENIED' });
    await c.commitJob();
    expect(await tree(out)).toEqual(['_SUCCESS']);
  });
});

describe('FileOutputCommitter on a file system whose rename moves into an existing directory', () => {
  it('still lets only the first commit win (the HDFS race)', async () => {
    // HDFS semantics after a lost race: rename(src, existingDir) moves src inside it.
    const hdfsLike = Object.create(fs) as LocalFileSystem;
    hdfsLike.rename = async (src: string, dst: string) => {
      if (await fs.exists(dst)) return fs.rename(src, join(dst, src.slice(src.lastIndexOf('/') + 1)));
      return fs.rename(src, dst);
    };
    const out = join(dir, 'out');
    const c = new FileOutputCommitter(hdfsLike, out, 'job1');
    await c.setupJob();
    await writeAttempt(c, 0, 0, ['first']);
    await writeAttempt(c, 0, 1, ['second']);
    await c.commitTask(0, 0);
    await expect(new FileOutputCommitter(hdfsLike, out, 'job1').commitTask(0, 1)).rejects.toMatchObject({
      code: 'TASK_COMMIT_DENIED',
    });
    await c.commitJob();
    expect(await tree(out)).toEqual(['_SUCCESS', 'part-00000']);
    expect(await readFile(join(out, 'part-00000'), 'utf8')).toBe('first\n');
  });
});

describe('FileOutputCommitter and tasks still running when their job ended', () => {
  it('a task that writes after abortJob and then commits is denied and leaves no output directory', async () => {
    const out = join(dir, 'out');
    const driver = new FileOutputCommitter(fs, out, 'job1');
    await driver.setupJob();
    await driver.abortJob(); // the job failed while partition 2 was still running
    const late = new FileOutputCommitter(fs, out, 'job1');
    await writeAttempt(late, 2, 0, ['late']); // its file creation brings <out>/_temporary/... back
    await expect(late.commitTask(2, 0)).rejects.toMatchObject({
      code: 'TASK_COMMIT_DENIED',
      message: expect.stringContaining('already ended'),
    });
    expect(await fs.exists(out)).toBe(false);
  });

  it('a task that writes after abortJob and then fails leaves no output directory', async () => {
    const out = join(dir, 'out');
    const driver = new FileOutputCommitter(fs, out, 'job1');
    await driver.setupJob();
    await driver.abortJob();
    const late = new FileOutputCommitter(fs, out, 'job1');
    await writeAttempt(late, 0, 3, ['partial']);
    await late.abortTask(0, 3);
    expect(await fs.exists(out)).toBe(false);
  });

  it('a late duplicate attempt after commitJob is denied and leaves the committed output as it was', async () => {
    const out = join(dir, 'out');
    const driver = new FileOutputCommitter(fs, out, 'job1');
    await driver.setupJob();
    await writeAttempt(driver, 0, 0, ['done']);
    await driver.commitTask(0, 0);
    await driver.commitJob();
    const late = new FileOutputCommitter(fs, out, 'job1');
    await writeAttempt(late, 0, 1, ['duplicate']);
    await expect(late.commitTask(0, 1)).rejects.toMatchObject({ code: 'TASK_COMMIT_DENIED' });
    expect(await tree(out)).toEqual(['_SUCCESS', 'part-00000']);
    expect(await readFile(join(out, 'part-00000'), 'utf8')).toBe('done\n');
  });

  it("a failed job's late task leaves a newer job writing the same directory alone", async () => {
    const out = join(dir, 'out');
    const first = new FileOutputCommitter(fs, out, 'job1');
    await first.setupJob();
    await first.abortJob();
    const second = new FileOutputCommitter(fs, out, 'job2');
    await second.setupJob();
    await writeAttempt(second, 0, 0, ['second job']);
    await second.commitTask(0, 0);
    const late = new FileOutputCommitter(fs, out, 'job1');
    await writeAttempt(late, 5, 0, ['first job, late']);
    await expect(late.commitTask(5, 0)).rejects.toMatchObject({ code: 'TASK_COMMIT_DENIED' });
    await second.commitJob();
    expect(await tree(out)).toEqual(['_SUCCESS', 'part-00000']);
    expect(await readFile(join(out, 'part-00000'), 'utf8')).toBe('second job\n');
  });
});
