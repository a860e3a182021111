import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../../src/core/context.js';
import { JobFailedError } from '../../../../src/core/scheduler/errors.js';
import { ExitCode } from '../../../../src/errors.js';
import { expectSchedulerIdle, testContext } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tspark-sched-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function captureLogs(): { logger: pino.Logger; lines: () => { level: number; msg: string }[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines: () => out.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

describe('job failure', () => {
  it("fails the job with the user's message and stack, naming stage and partition", async () => {
    const sc = testContext('local[2]');
    try {
      const err = await sc
        .parallelize([1, 2, 3, 4, 5, 6], 3)
        .map(function parseRecord(x) {
          if (x === 4) throw new RangeError(`record ${x} is out of range`);
          return x;
        })
        .collect()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobFailedError);
      const e = err as JobFailedError;
      expect(e.exitCode).toBe(ExitCode.APP_FAILED);
      expect(e.message).toMatch(/Task 1 in stage \d+\.0 failed 1 time, most recent failure: RangeError: record 4 is out of range/);
      expect(e.context.partition).toBe(1);
      expect(e.stack).toContain('parseRecord');
      expect((e.cause as Error).message).toBe('record 4 is out of range');
      expectSchedulerIdle(sc);
      // the context stays usable after a failed job
      expect(await sc.parallelize([1, 2], 2).count()).toBe(2);
    } finally {
      await sc.stop();
    }
  });

  it('retries a failing task up to maxFailures (local[K,F]) and then succeeds', async () => {
    const sc = testContext('local[2,3]');
    try {
      const marker = join(dir, 'attempts');
      await writeFile(marker, '');
      // fails on the first two attempts of partition 2, counted in a file the task appends to
      const out = await sc
        .parallelize([0, 1, 2, 3], 4)
        .map(
          (x, env) => {
            // shipped functions may require built-ins: that is what this checks
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const fs = require('node:fs');
            if (x === 2) {
              fs.appendFileSync(env.marker, 'x');
              if (fs.readFileSync(env.marker, 'utf8').length < 3) throw new Error('flaky');
            }
            return x * 10;
          },
          { marker },
        )
        .collect();
      expect(out).toEqual([0, 10, 20, 30]);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(marker, 'utf8')).toBe('xxx');
      const err = await sc
        .parallelize([1], 1)
        .map(() => {
          throw new Error('always');
        })
        .collect()
        .catch((e: unknown) => e as Error);
      expect((err as Error).message).toContain('failed 3 times');
      expectSchedulerIdle(sc);
    } finally {
      await sc.stop();
    }
  });
});

describe('lost executors', () => {
  it('a worker that dies is replaced and its task runs again', async () => {
    const sc = testContext('local[2,2]');
    try {
      const marker = join(dir, 'died-once');
      const out = await sc
        .parallelize([1, 2, 3, 4], 4)
        .map(
          (x, env) => {
            // shipped functions may require built-ins: that is what this checks
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const fs = require('node:fs');
            if (x === 3 && !fs.existsSync(env.marker)) {
              fs.writeFileSync(env.marker, '');
              process.exit(7); // ends this worker thread
            }
            return x + 1;
          },
          { marker },
        )
        .collect();
      expect(out).toEqual([2, 3, 4, 5]);
      expect(await sc.parallelize([1, 2, 3], 3).count()).toBe(3);
      expectSchedulerIdle(sc);
    } finally {
      await sc.stop();
    }
  });
});

describe('stages', () => {
  it('reuses completed shuffle outputs across jobs (map stage skipped)', async () => {
    const { logger, lines } = captureLogs();
    const sc = new SparkContext({ master: 'local[2]', appName: 'reuse', logger, progress: false });
    try {
      const mapRuns = sc.longAccumulator();
      const counts = sc
        .parallelize(['a', 'b', 'a', 'c', 'a'], 5)
        .map(
          (w, env) => {
            env.mapRuns.add(1);
            return [w, 1] as [string, number];
          },
          { mapRuns },
        )
        .reduceByKey((a, b) => a + b, 2);
      expect(new Map(await counts.collect())).toEqual(new Map([['a', 3], ['b', 1], ['c', 1]]));
      expect(mapRuns.value).toBe(5);
      expect(await counts.count()).toBe(3);
      expect(mapRuns.value).toBe(5); // second job did not recompute the map side
      const submits = lines().filter((l) => l.msg.startsWith('Submitting'));
      expect(submits.map((l) => l.msg.replace(/ \(.*\)$/, ''))).toEqual([
        'Submitting 5 missing tasks from stage 0',
        'Submitting 2 missing tasks from stage 1',
        'Submitting 2 missing tasks from stage 3',
      ]);
      expectSchedulerIdle(sc);
    } finally {
      await sc.stop();
    }
    const msgs = lines().map((l) => l.msg);
    expect(msgs).toContainEqual(expect.stringMatching(/^Starting job: collect at scheduling\.test\.ts:\d+$/));
    expect(msgs.some((m) => /^Stage 0 \(.*\) finished in \d+\.\d+ s$/.test(m))).toBe(true);
    expect(msgs.some((m) => m.startsWith('Job 1 finished: count'))).toBe(true);
    expect(msgs[msgs.length - 1]).toBe('Successfully stopped SparkContext');
    // a clean run logs no warning or error, shutdown included
    expect(lines().filter((l) => l.level >= 40)).toEqual([]);
  });

  it('runs a chain of three shuffles, parents first, and concurrent jobs sharing a shuffle', async () => {
    const sc = testContext('local[2]');
    try {
      const words = sc.parallelize('the quick brown fox jumps over the lazy dog the end'.split(' '), 4);
      const byCount = words
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, 3)
        .map(([w, n]) => [n, w] as [number, string])
        .groupByKey(2)
        .sortByKey(false, 2);
      const result = await byCount.collect();
      expect(result.map(([n, ws]) => [n, [...ws].sort()])).toEqual([
        [3, ['the']],
        [1, ['brown', 'dog', 'end', 'fox', 'jumps', 'lazy', 'over', 'quick']],
      ]);
      const shared = words.map((w) => [w.length, w] as [number, string]).groupByKey(3);
      const [a, b] = await Promise.all([shared.count(), shared.keys().collect()]);
      expect(a).toBe(b.length);
      expect(new Set(b)).toEqual(new Set([3, 5, 4]));
      expectSchedulerIdle(sc);
    } finally {
      await sc.stop();
    }
  });

  it('deletes shuffle files at stop', async () => {
    const localDir = join(dir, 'local');
    const sc = testContext('local[2]', { 'spark.local.dir': localDir });
    await sc.parallelize([[1, 2], [3, 4]] as [number, number][], 2).groupByKey().collect();
    const during = await readdir(localDir);
    expect(during.length).toBe(1);
    await sc.stop();
    expect(await readdir(localDir)).toEqual([]);
  });

  it('runs 10,000 tasks and keeps no per-task state afterwards', async () => {
    const sc = testContext('local[2]');
    try {
      expect(await sc.parallelize([], 10_000).count()).toBe(0);
      expectSchedulerIdle(sc);
    } finally {
      await sc.stop();
    }
  });

  it('refuses jobs after stop', async () => {
    const sc = testContext('local');
    const rdd = sc.parallelize([1]);
    await sc.stop();
    await expect(rdd.count()).rejects.toThrow(/stopped/);
  });
});
