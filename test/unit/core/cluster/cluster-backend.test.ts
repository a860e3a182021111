import net from 'node:net';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../../src/core/context.js';
import {
  ClusterSchedulerBackend,
  type ClusterBackendOptions,
  type ExecutorLauncher,
} from '../../../../src/core/scheduler/cluster/cluster-backend.js';
import { ExecutorBackend } from '../../../../src/executor/executor-backend.js';
import { Msg } from '../../../../src/executor/protocol.js';
import { WorkerThreadPool } from '../../../../src/executor/worker-pool.js';
import { silentLogger } from '../../../../src/log.js';
import { RpcClient } from '../../../../src/rpc/rpc-client.js';
import type { RpcConnection, RpcHandler } from '../../../../src/rpc/rpc-connection.js';
import { tempDir } from '../../../support/temp-dir.js';

/**
 * The cluster scheduler backend with executors in this process: real
 * ExecutorBackends with worker-thread slots behind the authenticated RPC
 * connection, started by a launcher written here, and hand-driven RPC peers
 * for the failure cases (a peer without the secret, an executor that takes
 * tasks and vanishes, one that stops heartbeating).
 */

const SECRET = Buffer.from('cluster-backend-unit-test-secret');

class InProcessLauncher implements ExecutorLauncher {
  readonly executors: ExecutorBackend[] = [];
  constructor(
    private readonly count: number,
    private readonly cores: number,
    private readonly dir: string,
  ) {}

  async launch(
    driver: { host: string; port: number },
    secret: Buffer,
    onExit: (id: string, reason: string) => void,
  ): Promise<void> {
    for (let i = 1; i <= this.count; i++) {
      const id = String(i);
      const localDir = join(this.dir, `executor-${id}`);
      await mkdir(localDir, { recursive: true });
      const backend = new ExecutorBackend({
        executorId: id,
        host: '127.0.0.1',
        cores: this.cores,
        driverHost: driver.host,
        driverPort: driver.port,
        secret,
        logger: silentLogger(),
        heartbeatIntervalMs: 200,
        startSlots: (conf, events) =>
          WorkerThreadPool.start(
            {
              cores: this.cores,
              executorId: id,
              conf,
              localDir,
              taskMemoryBytes: 64 << 20,
              storageMemoryBytes: 32 << 20,
              logger: silentLogger(),
            },
            events,
          ),
      });
      this.executors.push(backend);
      void backend.run().then((exit) => onExit(id, `exited with code ${exit.code}: ${exit.reason}`));
    }
  }

  async stop(): Promise<void> {
    // the executors exit on StopExecutor; nothing to kill in this process
  }
}

function backendOptions(overrides: Partial<ClusterBackendOptions>): ClusterBackendOptions {
  return {
    endpoint: { bindAddress: '127.0.0.1', advertisedHost: '127.0.0.1', port: 0 },
    secret: SECRET,
    executorConf: {},
    expectedExecutors: 0,
    expectedCores: 2,
    registrationTimeoutMs: 20_000,
    executorTimeoutMs: 60_000,
    stopTimeoutMs: 5_000,
    logger: silentLogger(),
    ...overrides,
  };
}

const idleClient = { resourceOffers: () => [], statusUpdate: () => undefined, executorLost: () => undefined };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function newContext(
  backend: () => ClusterSchedulerBackend,
  dir: string,
  conf: Record<string, string> = {},
): SparkContext {
  const sc = new SparkContext({
    master: 'local-cluster[2,1,512]',
    appName: 'cluster-backend-test',
    progress: false,
    conf: { 'spark.local.dir': dir, ...conf },
    backendFactory: backend,
  });
  cleanups.push(() => sc.stop());
  return sc;
}

describe('ClusterSchedulerBackend', () => {
  it('runs narrow and shuffle jobs, broadcasts and accumulators on two registered executors, then stops them', async () => {
    const dir = tempDir('tspark-cluster-unit-');
    const launcher = new InProcessLauncher(2, 1, dir);
    let backend: ClusterSchedulerBackend | undefined;
    const sc = newContext(
      () => (backend = new ClusterSchedulerBackend(backendOptions({ expectedExecutors: 2, launcher }))),
      dir,
    );

    const n = 3000;
    const pairs = await sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        6,
      )
      .map((x: number) => [x % 11, x] as [number, number])
      .reduceByKey((a: number, b: number) => a + b, 3)
      .collect();
    const expected = new Map<number, number>();
    for (let i = 0; i < n; i++) expected.set(i % 11, (expected.get(i % 11) ?? 0) + i);
    expect(new Map(pairs)).toEqual(expected);
    expect(
      backend!
        .executorInfo()
        .map((e) => e.id)
        .sort(),
    ).toEqual(['1', '2']);

    const offset = sc.broadcast(1000);
    const counter = sc.longAccumulator('seen');
    const shifted = await sc
      .parallelize([1, 2, 3, 4], 4)
      .map(
        (x: number, env: { offset: typeof offset; counter: typeof counter }) => {
          env.counter.add(1);
          return x + env.offset.value;
        },
        { offset, counter },
      )
      .collect();
    expect(shifted).toEqual([1001, 1002, 1003, 1004]);
    expect(counter.value).toBe(4);

    await sc.stop();
    const exits = await Promise.all(launcher.executors.map((e) => e.run()));
    expect(exits.map((e) => e.reason)).toEqual([
      'the driver asked this executor to stop',
      'the driver asked this executor to stop',
    ]);
    expect(backend!.lostExecutors().size).toBe(0);
  });

  it('retries the tasks of an executor whose connection drops mid-task on the others', async () => {
    const dir = tempDir('tspark-cluster-unit-');
    const launcher = new InProcessLauncher(1, 1, dir);
    let backend: ClusterSchedulerBackend | undefined;
    // the job's first offers wait until the black-hole executor has registered too
    const sc = newContext(
      () => (backend = new ClusterSchedulerBackend(backendOptions({ expectedExecutors: 2, launcher }))),
      dir,
    );

    // a registered executor that accepts tasks and never answers, then disappears
    let launched = 0;
    let blackHole: RpcConnection | undefined;
    const gotTask = new Promise<void>((resolve) => {
      const tryConnect = async (): Promise<void> => {
        while (!backend?.driverAddress) await new Promise((r) => setTimeout(r, 10));
        const { host, port } = backend.driverAddress;
        const handlers = new Map([
          [Msg.LAUNCH_TASK, () => void (launched++, resolve())],
          [Msg.STAGE_BINARY, () => undefined],
          [Msg.BROADCAST_INFO, () => undefined],
        ]);
        blackHole = await RpcClient.connect(host, port, SECRET, { logger: silentLogger(), handlers });
        await blackHole.request({
          type: Msg.REGISTER_EXECUTOR,
          executorId: 'black-hole',
          host: '127.0.0.1',
          cores: 2,
          pid: 0,
        });
      };
      void tryConnect();
    });

    const job = sc
      .parallelize(
        Array.from({ length: 40 }, (_, i) => i),
        8,
      )
      .map((x: number) => x * x)
      .collect();
    await gotTask;
    blackHole!.close();
    const squares = await job;
    const expected: number[] = [];
    for (let i = 0; i < 40; i++) expected.push(i * i);
    expect(squares).toEqual(expected);
    expect(launched).toBeGreaterThan(0);
    expect(backend!.lostExecutors().get('black-hole')).toMatch(/connection closed/);
  });

  it('runs a task again when its indirect result cannot be fetched from its executor', async () => {
    const dir = tempDir('tspark-cluster-unit-');
    const launcher = new InProcessLauncher(1, 1, dir);
    let backend: ClusterSchedulerBackend | undefined;
    const sc = newContext(
      () => (backend = new ClusterSchedulerBackend(backendOptions({ expectedExecutors: 2, launcher }))),
      dir,
    );
    // a block port nobody listens on: the result it announces can never be fetched
    const deadPort = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    let liar: RpcConnection | undefined;
    const lied: number[] = [];
    void (async () => {
      while (!backend?.driverAddress) await new Promise((r) => setTimeout(r, 10));
      const { host, port } = backend.driverAddress;
      const handlers = new Map<string, RpcHandler>([
        [
          Msg.LAUNCH_TASK,
          (m) => {
            const taskId = Number(m.taskId);
            // the first task "finishes" with an indirect result; later ones never answer
            if (lied.length > 0) return;
            lied.push(taskId);
            liar!.send({
              type: Msg.STATUS_UPDATE,
              executorId: 'liar',
              taskId,
              indirect: { blockId: `taskresult_${taskId}`, size: 5000 },
            });
          },
        ],
        [Msg.STAGE_BINARY, () => undefined],
        [Msg.BROADCAST_INFO, () => undefined],
      ]);
      liar = await RpcClient.connect(host, port, SECRET, { logger: silentLogger(), handlers });
      await liar.request({
        type: Msg.REGISTER_EXECUTOR,
        executorId: 'liar',
        host: '127.0.0.1',
        cores: 1,
        pid: 0,
        blockPort: deadPort,
      });
    })();

    const job = sc
      .parallelize(
        Array.from({ length: 40 }, (_, i) => i),
        8,
      )
      .map((x: number) => x + 1)
      .collect();
    while ((backend?.resultStats().lost ?? 0) < 1) await new Promise((r) => setTimeout(r, 10));
    // the lost result was counted before the liar goes: its other task is then lost with it
    liar!.close();
    expect(await job).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(lied).toHaveLength(1);
    expect(backend!.resultStats()).toMatchObject({ lost: 1, indirect: 0 });
  });

  it('refuses a peer without the secret before any message, and a second executor with a used id', async () => {
    const backend = new ClusterSchedulerBackend(backendOptions({}));
    cleanups.push(() => backend.stop());
    await backend.start(idleClient);
    const { host, port } = backend.driverAddress!;
    await expect(
      RpcClient.connect(host, port, 'not-the-secret', { logger: silentLogger(), attempts: 1 }),
    ).rejects.toMatchObject({ code: 'RPC_AUTH_FAILED' });
    expect(backend.executorInfo()).toEqual([]);

    const register = { type: Msg.REGISTER_EXECUTOR, executorId: '7', host: 'h', cores: 1, pid: 1 };
    const first = await RpcClient.connect(host, port, SECRET, { logger: silentLogger() });
    cleanups.push(async () => first.close());
    await first.request(register);
    const second = await RpcClient.connect(host, port, SECRET, { logger: silentLogger() });
    cleanups.push(async () => second.close());
    await expect(second.request(register)).rejects.toMatchObject({ code: 'RPC_REMOTE_ERROR' });
    expect(backend.executorInfo().map((e) => e.id)).toEqual(['7']);
  });

  it('declares an executor lost after executorTimeoutMs without heartbeats and tells it so', async () => {
    const lost: [string, string][] = [];
    const backend = new ClusterSchedulerBackend(backendOptions({ executorTimeoutMs: 300 }));
    cleanups.push(() => backend.stop());
    await backend.start({ ...idleClient, executorLost: (id, reason) => void lost.push([id, reason]) });
    const { host, port } = backend.driverAddress!;
    const silent = await RpcClient.connect(host, port, SECRET, { logger: silentLogger() });
    cleanups.push(async () => silent.close());
    await silent.request({ type: Msg.REGISTER_EXECUTOR, executorId: 'quiet', host: 'h', cores: 1, pid: 1 });
    const beat = await silent.request({ type: Msg.HEARTBEAT, executorId: 'quiet', runningTasks: 0 });
    expect(beat.message).toEqual({ type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: false });
    const deadline = Date.now() + 5000;
    while (lost.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lost).toHaveLength(1);
    expect(lost[0]![0]).toBe('quiet');
    expect(lost[0]![1]).toMatch(/no heartbeat for \d+ ms/);
    expect(backend.executorInfo()).toEqual([]);
  });

  it('fails start() with the driver address when the executors never register', async () => {
    const backend = new ClusterSchedulerBackend(
      backendOptions({ expectedExecutors: 1, registrationTimeoutMs: 200 }),
    );
    cleanups.push(() => backend.stop());
    await expect(backend.start(idleClient)).rejects.toMatchObject({
      code: 'EXECUTORS_NOT_REGISTERED',
      message: expect.stringMatching(
        /0 of 1 executors registered with the driver endpoint at 127\.0\.0\.1:\d+/,
      ),
    });
  });
});
