import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import { encodeAppFrameHead } from '../../../src/rpc/codec/app-frame.js';
import { FrameKind } from '../../../src/rpc/codec/frame.js';
import { RpcClient } from '../../../src/rpc/rpc-client.js';
import { tempDir } from '../../support/temp-dir.js';
import { ensureDistIsFresh } from './build-dist.js';
import { localClusterContext, waitFor, type LocalClusterContext } from '../../support/local-cluster-context.js';

/**
 * Shuffles across executor processes on `local-cluster[2,1,1024]`: reducers
 * fetch map outputs from the other executor's block server. Faults: an
 * executor killed while a shuffle runs (its map outputs are recomputed), map
 * output files deleted on the serving executor (the reducers' fetches fail
 * and the map stage reruns), and a stranger connecting to a block server
 * without the secret. Driver and executor logs are captured to check which
 * path was taken; expected answers are computed here with plain loops.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MASTER = 'local-cluster[2,1,1024]';

beforeAll(() => ensureDistIsFresh(ROOT), 300_000);


const contexts: SparkContext[] = [];
afterEach(async () => {
  for (const sc of contexts.splice(0)) await sc.stop();
});

function cluster(conf: Record<string, string> = {}): LocalClusterContext {
  return localClusterContext(contexts, { master: MASTER, appName: 'shuffle-fetch-test', conf });
}

function sumsByKey(n: number, keys: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < n; i++) m.set(i % keys, (m.get(i % keys) ?? 0) + i);
  return m;
}

/** Files under `dir` whose path matches `re`. */
function findFiles(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...findFiles(p, re));
    else if (re.test(p)) out.push(p);
  }
  return out;
}

describe(`${MASTER}: remote shuffle`, () => {
  it('reducers fetch map outputs from the other executor; each executor runs a block server', async () => {
    const { sc, backend } = cluster();
    const n = 30_000;
    const counts = await sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        8,
      )
      .map((x: number) => [x % 101, x] as [number, number])
      .reduceByKey((a: number, b: number) => a + b, 4)
      .collect();
    expect(new Map(counts)).toEqual(sumsByKey(n, 101));
    // task metrics: every shuffle byte written was read, part of it fetched from the other executor
    const m = sc.taskMetrics();
    expect(m.shuffleBytesRead).toBe(m.shuffleBytesWritten);
    expect(m.shuffleRemoteBytesRead).toBeGreaterThan(0);
    expect(m.shuffleRemoteBytesRead).toBeLessThanOrEqual(m.shuffleBytesRead);
    const sorted = await sc
      .parallelize(
        Array.from({ length: 5000 }, (_, i) => [(i * 7919) % 5003, i] as [number, number]),
        6,
      )
      .sortByKey(true, 3)
      .keys()
      .collect();
    expect(sorted).toEqual(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5003).sort((a, b) => a - b));
    const executors = backend().executorInfo();
    expect(executors).toHaveLength(2);
    for (const e of executors) expect(e.blockPort).toBeGreaterThan(0);
    expect(new Set(executors.map((e) => e.blockPort)).size).toBe(2);
  });
});

describe(`${MASTER}: an executor process killed in the middle of a shuffle`, () => {
  it('gives the right answer and recomputes the map outputs the killed executor held', async () => {
    const { sc, backend, messages } = cluster();
    const marker = join(tempDir('tspark-shuffle-kill-'), 'done');
    writeFileSync(marker, '');
    const n = 12;
    const sums = sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        n,
      )
      .map(
        (x: number, env: { marker: string }) => {
          // slow map tasks, each noting which executor process finished it
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          require('node:fs').appendFileSync(env.marker, `${process.pid}\n`);
          return [x % 3, x] as [number, number];
        },
        { marker },
      )
      .reduceByKey((a: number, b: number) => a + b, 2);
    const job = sums.collect();
    // Kill an executor once the driver holds at least one of its map outputs, while the map stage still
    // runs: an executor runs one task at a time, so its second finished task means its first result went out.
    let victim: { id: string; pid: number } | undefined;
    await waitFor('an executor with two finished map tasks', () => {
      const done = readFileSync(marker, 'utf8').split('\n').filter(Boolean).map(Number);
      victim = backend()
        ?.executorInfo()
        .find((e) => done.filter((pid) => pid === e.pid).length >= 2);
      return victim !== undefined;
    });
    process.kill(victim!.pid, 'SIGKILL');
    const result = await job;
    expect(new Map(result)).toEqual(sumsByKey(n, 3));

    const log = messages();
    expect(
      log.some((m) =>
        new RegExp(`^Executor ${victim!.id} lost: its map outputs of shuffles 0 will be recomputed`).test(m),
      ),
    ).toBe(true);
    // the map stage (stage 0) was submitted again for the lost outputs
    expect(
      log.filter((m) => /^Submitting \d+ missing tasks from stage 0 /.test(m)).length,
    ).toBeGreaterThanOrEqual(2);
    expect(backend().lostExecutors().get(victim!.id)).toMatch(/SIGKILL|connection closed/);
    // every map output is now on a live executor: a second job over the shuffle fetches them all and runs no map task
    const mapTasksSoFar = readFileSync(marker, 'utf8').split('\n').filter(Boolean).length;
    expect(mapTasksSoFar).toBeGreaterThan(n);
    expect(new Map(await sums.collect())).toEqual(sumsByKey(n, 3));
    expect(readFileSync(marker, 'utf8').split('\n').filter(Boolean)).toHaveLength(mapTasksSoFar);
  });
});

describe(`${MASTER}: a reducer whose fetch fails`, () => {
  it('reruns the lost map tasks and gives the right answer when map output files vanish from the serving executor', async () => {
    const { sc, backend, messages, localDir } = cluster();
    const n = 20_000;
    const pairs = sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        6,
      )
      .map((x: number) => [x % 17, x] as [number, number])
      .reduceByKey((a: number, b: number) => a + b, 3);
    // job 1 runs the map stage and keeps its outputs
    expect(await pairs.count()).toBe(17);
    expect(messages().filter((m) => /^Submitting \d+ missing tasks from stage 0 /.test(m))).toHaveLength(1);

    // executor 1's map output data files disappear; the executor itself stays up
    const dataFiles = findFiles(
      localDir,
      /tspark-executor-1-[^/]*\/slot-\d+\/shuffle\/shuffle_0_\d+_0\.data$/,
    );
    expect(dataFiles.length).toBeGreaterThan(0);
    for (const f of dataFiles) rmSync(f);

    // job 2 reads the same shuffle: reducers cannot fetch executor 1's blocks
    const result = await pairs.collect();
    expect(new Map(result)).toEqual(sumsByKey(n, 17));
    const log = messages();
    expect(log.some((m) => /could not fetch shuffle 0 map \d+ of executor 1/.test(m))).toBe(true);
    // after the failure, job 2's map stage (stage 2) ran the lost map tasks, then its result stage (3) ran again
    const resubmitted = log.findIndex((m) => /^Resubmitting failed stages/.test(m));
    expect(resubmitted).toBeGreaterThan(0);
    const after = log.slice(resubmitted).filter((m) => /^Submitting \d+ missing tasks from stage/.test(m));
    expect(after[0]).toMatch(/^Submitting \d+ missing tasks from stage 2 /);
    expect(after[1]).toMatch(/^Submitting \d+ missing tasks from stage 3 /);
    expect(backend().lostExecutors().size).toBe(0);
  });
});

describe(`${MASTER}: block server security`, () => {
  it('refuses a connection without the secret before any message is processed', async () => {
    const secret = 'block-server-test-secret-0123456789';
    // executors inherit this environment: they log at debug level too
    const level = process.env.TSPARK_LOG_LEVEL;
    process.env.TSPARK_LOG_LEVEL = 'debug';
    const { sc, backend, messages, rawLines } = cluster({ 'spark.authenticate.secret': secret });
    // start the executors
    await sc.parallelize([0], 1).count();
    if (level === undefined) delete process.env.TSPARK_LOG_LEVEL;
    else process.env.TSPARK_LOG_LEVEL = level;
    expect(
      await sc
        .parallelize([1, 2, 3, 4], 2)
        .map((x: number) => x + 1)
        .collect(),
    ).toEqual([2, 3, 4, 5]);
    const target = backend().executorInfo()[0]!;
    expect(target.blockPort).toBeGreaterThan(0);

    // a raw TCP peer sends a well-formed FetchShuffleChunk request frame without authenticating
    const request = encodeAppFrameHead(
      FrameKind.REQUEST,
      1,
      { type: 'FetchShuffleChunk', shuffleId: 0, mapId: 0, reduceId: 0, offset: 0, maxBytes: 1024 },
      0,
      1 << 20,
    );
    const received: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.blockPort! }, () => socket.write(request));
      socket.on('data', (d) => received.push(d));
      socket.on('error', () => undefined); // a reset is a refusal too
      socket.on('close', () => resolve());
      setTimeout(() => reject(new Error('the block server did not close the connection')), 30_000).unref();
    });
    // nothing came back but (at most) the handshake's AUTH_FAILED frame: no response, no error from a handler
    const bytes = Buffer.concat(received);
    const kinds: number[] = [];
    for (let pos = 0; pos + 5 <= bytes.length; pos += 4 + bytes.readUInt32BE(pos))
      kinds.push(bytes[pos + 4]!);
    expect(kinds.every((k) => k === FrameKind.AUTH_FAILED)).toBe(true);

    // a client with the wrong secret is refused too
    await expect(
      RpcClient.connect(target.host, target.blockPort!, 'a-wrong-secret', {
        logger: pino({ level: 'silent' }),
        attempts: 1,
      }),
    ).rejects.toMatchObject({ code: 'RPC_AUTH_FAILED' });

    // the executor says so in its log
    await waitFor(
      'the executor to log the refusal',
      () => messages().filter((m) => m.includes('refused a connection to the block server')).length >= 2,
    );
    // and the executors are still fine, shuffling through their block servers
    const counts = await sc
      .parallelize(['a', 'b', 'a', 'c', 'a', 'b'], 3)
      .map((w: string) => [w, 1] as [string, number])
      .reduceByKey((x: number, y: number) => x + y, 2)
      .collect();
    expect(new Map(counts)).toEqual(
      new Map([
        ['a', 3],
        ['b', 2],
        ['c', 1],
      ]),
    );
    // no log line of the driver or the executors, at debug level, carries the secret
    expect(messages().some((m) => /DEBUG/.test(m))).toBe(true);
    const all = rawLines().join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(Buffer.from(secret).toString('base64'));
  });
});
