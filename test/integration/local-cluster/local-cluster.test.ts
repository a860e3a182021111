import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import type { ClusterSchedulerBackend } from '../../../src/core/scheduler/cluster/cluster-backend.js';
import { localClusterBackend } from '../../../src/core/scheduler/cluster/local-cluster.js';
import { silentLogger } from '../../../src/log.js';
import { RpcClient } from '../../../src/rpc/rpc-client.js';
import { tempDir } from '../../support/temp-dir.js';
import { ensureDistIsFresh } from './build-dist.js';

/**
 * The engine's key jobs on `local-cluster[2,1,512]`: two executor processes
 * started from dist/, reached over the authenticated driver endpoint. Every
 * expected value is computed here with plain loops.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MASTER = 'local-cluster[2,1,512]';
const SECRET = 'local-cluster-test-secret-0123456789';

function clusterContext(conf: Record<string, string> = {}): {
  sc: SparkContext;
  backend: () => ClusterSchedulerBackend;
} {
  let backend: ClusterSchedulerBackend | undefined;
  const sc = new SparkContext({
    master: MASTER,
    appName: 'local-cluster-test',
    progress: false,
    conf: { 'spark.local.dir': tempDir('tspark-local-cluster-'), ...conf },
    backendFactory: (master, c, dir) =>
      (backend = localClusterBackend(master, c, dir, silentLogger(), 'local-cluster-test')),
  });
  return { sc, backend: () => backend! };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(() => ensureDistIsFresh(ROOT), 300_000);

describe('local-cluster[2,1,512]', () => {
  let sc: SparkContext;
  let backend: () => ClusterSchedulerBackend;

  beforeAll(() => {
    ({ sc, backend } = clusterContext({
      'spark.task.maxFailures': '3',
      'spark.authenticate.secret': SECRET,
    }));
  });
  afterAll(async () => {
    await sc.stop();
  });

  it('runs map/reduce on two executor processes', async () => {
    const n = 20_000;
    const sum = await sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        8,
      )
      .map((x: number) => x * 3)
      .reduce((a: number, b: number) => a + b);
    let expected = 0;
    for (let i = 0; i < n; i++) expected += i * 3;
    expect(sum).toBe(expected);
    const executors = backend().executorInfo();
    expect(executors.map((e) => e.id).sort()).toEqual(['1', '2']);
    expect(executors.every((e) => e.pid !== process.pid && processAlive(e.pid))).toBe(true);
  });

  it("refuses a connection without the secret and keeps the secret off the executors' command lines", async () => {
    const { host, port } = backend().driverAddress!;
    await expect(
      RpcClient.connect(host, port, 'a-wrong-secret', { logger: silentLogger(), attempts: 1 }),
    ).rejects.toMatchObject({ code: 'RPC_AUTH_FAILED' });
    expect(backend().executorInfo()).toHaveLength(2);
    for (const e of backend().executorInfo()) {
      const cmdline = readFileSync(`/proc/${e.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('--executor-id');
      expect(cmdline).not.toContain(SECRET);
      expect(cmdline).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
  });

  it('runs reduceByKey, sortByKey and join through the shuffle', async () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 97}`);
    const counts = await sc
      .parallelize(words, 6)
      .map((w: string) => [w, 1] as [string, number])
      .reduceByKey((a: number, b: number) => a + b, 4)
      .collect();
    const expectedCounts = new Map<string, number>();
    for (const w of words) expectedCounts.set(w, (expectedCounts.get(w) ?? 0) + 1);
    expect(new Map(counts)).toEqual(expectedCounts);

    const keys = Array.from({ length: 3000 }, (_, i) => (i * 104729) % 3001);
    const sorted = await sc
      .parallelize(
        keys.map((k) => [k, `v${k}`] as [number, string]),
        5,
      )
      .sortByKey(true, 3)
      .keys()
      .collect();
    expect(sorted).toEqual([...keys].sort((a, b) => a - b));

    const left = Array.from({ length: 200 }, (_, i) => [i % 50, i] as [number, number]);
    const right = Array.from({ length: 30 }, (_, i) => [i * 2, `r${i}`] as [number, string]);
    const joined = await sc.parallelize(left, 4).join(sc.parallelize(right, 3), 3).collect();
    const expectedJoin: [number, [number, string]][] = [];
    for (const [k, v] of left) for (const [k2, w] of right) if (k === k2) expectedJoin.push([k, [v, w]]);
    const order = (a: [number, [number, string]], b: [number, [number, string]]): number =>
      a[0] - b[0] || a[1][0] - b[1][0] || a[1][1].localeCompare(b[1][1]);
    expect(joined.sort(order)).toEqual(expectedJoin.sort(order));
  });

  it('ships broadcasts to executors and merges accumulators from them', async () => {
    const table = new Map(Array.from({ length: 100 }, (_, i) => [i, i * i]));
    const lookup = sc.broadcast(table);
    const misses = sc.longAccumulator('misses');
    const data = Array.from({ length: 1000 }, (_, i) => i % 150);
    const looked = await sc
      .parallelize(data, 7)
      .map(
        (x: number, env: { lookup: typeof lookup; misses: typeof misses }) => {
          const v = env.lookup.value.get(x);
          if (v === undefined) env.misses.add(1);
          return v ?? -1;
        },
        { lookup, misses },
      )
      .collect();
    expect(looked).toEqual(data.map((x) => (x < 100 ? x * x : -1)));
    expect(misses.value).toBe(data.filter((x) => x >= 100).length);
  });

  it('retries a failing task on the executors, and fails the job after spark.task.maxFailures', async () => {
    const marker = join(tempDir('tspark-local-cluster-marker-'), 'attempts');
    await writeFile(marker, '');
    const out = await sc
      .parallelize([0, 1, 2, 3], 4)
      .map(
        (x: number, env: { marker: string }) => {
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
    expect(readFileSync(marker, 'utf8')).toBe('xxx');
    const err = await sc
      .parallelize([1], 1)
      .map(() => {
        throw new Error('always broken');
      })
      .collect()
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain('failed 3 times');
    expect((err as Error).message).toContain('always broken');
    expect(backend().lostExecutors().size).toBe(0);
  });

  it('stops every executor process with the context', async () => {
    const pids = backend()
      .executorInfo()
      .map((e) => e.pid);
    expect(pids).toHaveLength(2);
    await sc.stop();
    expect(pids.filter(processAlive)).toEqual([]);
  });
});

describe('an executor process killed mid-job', () => {
  it('has its running tasks retried on the other executor, gives the right answer, and is replaced', async () => {
    const port = await freePort();
    const { sc, backend } = clusterContext({
      'spark.driver.host': '127.0.0.1',
      'spark.driver.bindAddress': '127.0.0.1',
      'spark.driver.port': String(port),
    });
    try {
      const n = 16;
      const job = sc
        .parallelize(
          Array.from({ length: n }, (_, i) => i),
          n,
        )
        .map((x: number) => {
          // each task takes a while, so the kill lands while tasks run
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
          return [x % 4, x] as [number, number];
        })
        .reduceByKey((a: number, b: number) => a + b, 2)
        .collect();
      let victim: { id: string; pid: number } | undefined;
      const deadline = Date.now() + 30_000;
      while (!victim && Date.now() < deadline) {
        victim = backend()
          ?.executorInfo()
          .find((e) => e.runningTasks > 0);
        if (!victim) await new Promise((r) => setTimeout(r, 20));
      }
      expect(victim).toBeDefined();
      process.kill(victim!.pid, 'SIGKILL');
      const result = await job;
      // the endpoint honoured spark.driver.host / bindAddress / port
      expect(backend().driverAddress).toEqual({ host: '127.0.0.1', port });
      const expected = new Map<number, number>();
      for (let i = 0; i < n; i++) expected.set(i % 4, (expected.get(i % 4) ?? 0) + i);
      expect(new Map(result)).toEqual(expected);
      expect(backend().lostExecutors().get(victim!.id)).toMatch(/SIGKILL|connection closed/);
      expect(
        backend()
          .executorInfo()
          .map((e) => e.id),
      ).not.toContain(victim!.id);

      // a new executor (id 3) takes the lost one's place, and jobs use it
      const registeredBy = Date.now() + 30_000;
      while (
        !backend()
          .executorInfo()
          .some((e) => e.id === '3') &&
        Date.now() < registeredBy
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(
        backend()
          .executorInfo()
          .map((e) => e.id)
          .sort(),
      ).toEqual(['1', '2', '3'].filter((id) => id !== victim!.id));
      const ranOn = await sc
        .parallelize(
          Array.from({ length: 8 }, (_, i) => i),
          8,
        )
        .map(() => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
          return process.pid;
        })
        .collect();
      expect(new Set(ranOn).size).toBe(2);
      const pids = backend()
        .executorInfo()
        .map((e) => e.pid);
      await sc.stop();
      expect(pids.filter(processAlive)).toEqual([]);
    } finally {
      await sc.stop();
    }
  });
});

describe('tspark-submit --master local-cluster[2,1,512]', () => {
  it('runs examples/spark-pi.ts on two executor processes and prints its estimate', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/tspark-submit.js'), '--master', MASTER, join(ROOT, 'examples/spark-pi.ts'), '10'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, TSPARK_LOG_LEVEL: 'info' },
        timeout: 120_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const m = /Pi is roughly (\d+\.\d+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // 1,000,000 darts: the estimate is within 0.01 of pi with overwhelming probability
    expect(Math.abs(Number(m![1]) - Math.PI)).toBeLessThan(0.01);
    expect(r.stderr).toMatch(/Registered executor 1 /);
    expect(r.stderr).toMatch(/Registered executor 2 /);
  });
});
