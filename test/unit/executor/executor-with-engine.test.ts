import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import type {
  SchedulerBackend,
  SchedulerBackendClient,
  TaskLaunch,
} from '../../../src/core/scheduler/backend.js';
import { decodeTaskResult } from '../../../src/core/scheduler/task-codec.js';
import { ExitCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { ExecutorBackend, type ExecutorExit } from '../../../src/executor/executor-backend.js';
import { Msg } from '../../../src/executor/protocol.js';
import { WorkerThreadPool } from '../../../src/executor/worker-pool.js';
import type { RpcConnection } from '../../../src/rpc/rpc-connection.js';
import { RpcServer } from '../../../src/rpc/rpc-server.js';
import {
  DEFAULT_BROADCAST_PIECE_SETTINGS,
  DriverBroadcasts,
} from '../../../src/core/scheduler/cluster/driver-broadcasts.js';

/**
 * The executor backend with real worker threads, driven by a real
 * SparkContext through a deliberately minimal driver-side backend written
 * here (one executor, no loss handling, no locality): enough to show that
 * tasks, stage binaries and results cross the authenticated connection,
 * broadcasts come in pieces from the driver's block server (DriverBroadcasts,
 * 8-byte pieces here), and all run through the engine's own task runner.
 * The real cluster scheduler backend is tested in test/unit/core/cluster.
 */

const SECRET = 'engine-test-secret';

class MinimalDriverBackend implements SchedulerBackend {
  private server: RpcServer | undefined;
  private executor:
    | {
        id: string;
        cores: number;
        running: number;
        connection: RpcConnection;
        binaries: Set<number>;
        broadcasts: Set<number>;
      }
    | undefined;
  private readonly broadcasts = new DriverBroadcasts({
    ...DEFAULT_BROADCAST_PIECE_SETTINGS,
    blockSize: 8,
    bindAddress: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    secret: Buffer.from(SECRET),
    logger: silentLogger(),
  });
  private client: SchedulerBackendClient | undefined;
  exit: Promise<ExecutorExit> | undefined;

  get piecesServed(): number {
    return this.broadcasts.piecesServed;
  }

  constructor(private readonly localDir: string) {}

  async start(client: SchedulerBackendClient): Promise<void> {
    this.client = client;
    await this.broadcasts.start();
    const server = await RpcServer.listen({
      bindAddress: '127.0.0.1',
      port: 0,
      secret: SECRET,
      logger: silentLogger(),
      name: 'driver endpoint',
    });
    this.server = server;
    let onRegistered!: () => void;
    const registered = new Promise<void>((resolve) => (onRegistered = resolve));
    server.handle(Msg.RETRIEVE_APP_CONFIG, () => ({ type: Msg.APP_CONFIG, conf: {} }));
    server.handle(Msg.REGISTER_EXECUTOR, (m, ctx) => {
      this.executor = {
        id: String(m.executorId),
        cores: Number(m.cores),
        running: 0,
        connection: ctx.connection,
        binaries: new Set(),
        broadcasts: new Set(),
      };
      setImmediate(onRegistered);
      return { type: Msg.REGISTERED_EXECUTOR };
    });
    server.handle(Msg.STATUS_UPDATE, (m, ctx) => {
      this.executor!.running--;
      this.client!.statusUpdate(String(m.executorId), decodeTaskResult(ctx.body));
      this.reviveOffers();
    });
    server.handle(Msg.HEARTBEAT, () => ({ type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: false }));

    const executorDir = await mkdtemp(join(this.localDir, 'executor-'));
    const backend = new ExecutorBackend({
      executorId: '1',
      host: '127.0.0.1',
      cores: 2,
      driverHost: '127.0.0.1',
      driverPort: server.address.port,
      secret: SECRET,
      logger: silentLogger(),
      startSlots: (conf, events) =>
        WorkerThreadPool.start(
          {
            cores: 2,
            executorId: '1',
            conf,
            localDir: executorDir,
            taskMemoryBytes: 64 << 20,
            storageMemoryBytes: 32 << 20,
            logger: silentLogger(),
          },
          events,
        ),
    });
    this.exit = backend.run();
    await registered;
  }

  defaultParallelism(): number {
    return this.executor?.cores ?? 1;
  }

  reviveOffers(): void {
    const e = this.executor;
    if (!e || !this.client) return;
    const launches = this.client.resourceOffers([{ executorId: e.id, freeSlots: e.cores - e.running }]);
    for (const l of launches) this.launch(l);
  }

  private launch(l: TaskLaunch): void {
    const e = this.executor!;
    for (const id of l.broadcastIds) {
      const info = e.broadcasts.has(id) ? undefined : this.broadcasts.info(id, () => undefined);
      if (info) e.connection.send(info);
      e.broadcasts.add(id);
    }
    if (!e.binaries.has(l.binaryId))
      e.connection.send({ type: Msg.STAGE_BINARY, binaryId: l.binaryId }, l.binary);
    e.binaries.add(l.binaryId);
    e.running++;
    e.connection.send(
      { type: Msg.LAUNCH_TASK, taskId: l.taskId, binaryId: l.binaryId, broadcastIds: [...l.broadcastIds] },
      l.task,
    );
  }

  registerBroadcast(id: number, bytes: Buffer): void {
    this.broadcasts.register(id, bytes);
  }
  removeBroadcast(id: number, destroy: boolean): void {
    if (destroy) this.broadcasts.destroy(id);
    if (this.executor?.broadcasts.delete(id)) this.executor.connection.send({ type: Msg.DROP_BROADCAST, id });
  }
  releaseBinary(binaryId: number): void {
    if (this.executor?.binaries.delete(binaryId))
      this.executor.connection.send({ type: Msg.DROP_BINARY, binaryId });
  }
  removeRdd(rddId: number): void {
    this.executor?.connection.send({ type: Msg.DROP_RDD, rddId });
  }

  async stop(): Promise<void> {
    this.executor?.connection.send({ type: Msg.STOP_EXECUTOR });
    await this.exit;
    await this.server?.close();
    await this.broadcasts.stop();
  }
}

let dir: string;
let backend: MinimalDriverBackend | undefined;
let sc: SparkContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tspark-executor-test-'));
  sc = new SparkContext({
    master: 'local-cluster[1,2,1024]',
    appName: 'executor-test',
    progress: false,
    conf: { 'spark.local.dir': dir },
    backendFactory: () => (backend = new MinimalDriverBackend(dir)),
  });
});

afterAll(async () => {
  await sc.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('executor backend running real tasks', () => {
  it('runs a narrow job, a shuffle and a broadcast on worker threads behind the RPC connection', async () => {
    const n = 5000;
    const doubled = await sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        4,
      )
      .map((x: number) => x * 2)
      .collect();
    expect(doubled).toEqual(Array.from({ length: n }, (_, i) => i * 2));

    const counts = await sc
      .parallelize(
        Array.from({ length: n }, (_, i) => i),
        4,
      )
      .map((x: number) => [x % 7, 1] as [number, number])
      .reduceByKey((a: number, b: number) => a + b, 3)
      .collect();
    const expected = new Map<number, number>();
    for (let i = 0; i < n; i++) expected.set(i % 7, (expected.get(i % 7) ?? 0) + 1);
    expect(new Map(counts)).toEqual(expected);

    const names = sc.broadcast(
      new Map([
        [1, 'one'],
        [2, 'two'],
      ]),
    );
    const looked = await sc
      .parallelize([1, 2, 1], 2)
      .map((x: number, env: { names: typeof names }) => env.names.value.get(x), { names })
      .collect();
    expect(looked).toEqual(['one', 'two', 'one']);
    // the value came from the driver's block server, in pieces
    expect(backend!.piecesServed).toBeGreaterThan(1);
  });

  it('stops the executor cleanly with the context', async () => {
    expect(backend?.exit).toBeDefined();
    await sc.stop();
    expect(await backend!.exit).toEqual({
      code: ExitCode.OK,
      reason: 'the driver asked this executor to stop',
    });
  });
});
