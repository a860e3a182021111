import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { ExecutorBackend, type ExecutorBackendOptions } from '../../../src/executor/executor-backend.js';
import { parseDriverUrl, parseExecutorArgs } from '../../../src/executor/executor-args.js';
import { Msg } from '../../../src/executor/protocol.js';
import { decodeTaskResult } from '../../../src/core/scheduler/task-codec.js';
import { pieceChecksum } from '../../../src/core/broadcast-pieces/index.js';
import { readApplicationSecret } from '../../../src/executor/executor-secret.js';
import { writeTokenStorage } from '../../../src/hadoop/security/credentials.js';
import type { TaskSlotEvents, TaskSlots } from '../../../src/executor/task-slots.js';
import type { RpcConnection } from '../../../src/rpc/rpc-connection.js';
import { RpcServer } from '../../../src/rpc/rpc-server.js';
import type { RpcMessage } from '../../../src/rpc/codec/app-frame.js';

const SECRET = 'executor-test-secret';

/** Task slots that record what they are asked and answer each task with its bytes reversed. */
class FakeSlots implements TaskSlots {
  readonly calls: string[] = [];
  stopped = false;
  running = 0;
  constructor(
    readonly cores: number,
    private readonly events: TaskSlotEvents,
  ) {}
  addBinary(id: number, bytes: Uint8Array) {
    this.calls.push(`binary ${id} ${Buffer.from(bytes).toString()}`);
  }
  dropBinary(id: number) {
    this.calls.push(`dropBinary ${id}`);
  }
  addBroadcast(id: number, bytes: Uint8Array) {
    this.calls.push(`broadcast ${id} ${Buffer.from(bytes).toString()}`);
  }
  dropBroadcast(id: number) {
    this.calls.push(`dropBroadcast ${id}`);
  }
  dropRdd(id: number) {
    this.calls.push(`dropRdd ${id}`);
  }
  launch(taskId: number, task: Uint8Array, binaryId: number, broadcastIds: readonly number[]) {
    this.calls.push(`launch ${taskId} ${binaryId} [${broadcastIds.join(',')}]`);
    this.running++;
    setImmediate(() => {
      this.running--;
      const text = Buffer.from(task).toString();
      // "size:N" asks for a result of N bytes; anything else comes back reversed
      const result = text.startsWith('size:')
        ? Buffer.alloc(Number(text.slice(5)), 0x61)
        : Buffer.from(task).reverse();
      this.events.onResult(taskId, result);
    });
  }
  async stop() {
    this.stopped = true;
  }
}

/** A stand-in driver endpoint: the real RpcServer with handlers that record what executors say. */
async function fakeDriver(options: { heartbeat?: (m: RpcMessage) => RpcMessage | Promise<RpcMessage> } = {}) {
  const server = await RpcServer.listen({
    bindAddress: '127.0.0.1',
    port: 0,
    secret: SECRET,
    logger: silentLogger(),
    name: 'driver endpoint',
  });
  const seen: RpcMessage[] = [];
  const results: { taskId: number; body: string }[] = [];
  const raw: Buffer[] = [];
  let executor: RpcConnection | undefined;
  const registered = new Promise<RpcConnection>((resolve) => {
    server.handle(Msg.RETRIEVE_APP_CONFIG, (m) => {
      seen.push(m);
      return { type: Msg.APP_CONFIG, conf: { 'spark.app.name': 'test' } };
    });
    server.handle(Msg.REGISTER_EXECUTOR, (m, ctx) => {
      seen.push(m);
      executor = ctx.connection;
      setImmediate(() => resolve(ctx.connection));
      return { type: Msg.REGISTERED_EXECUTOR };
    });
  });
  server.handle(Msg.STATUS_UPDATE, (m, ctx) => {
    results.push({ taskId: Number(m.taskId), body: ctx.body.toString() });
    raw.push(Buffer.from(ctx.body));
  });
  server.handle(Msg.HEARTBEAT, (m) => {
    seen.push(m);
    return options.heartbeat
      ? options.heartbeat(m)
      : { type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: false };
  });
  return { server, seen, results, raw, registered, executor: () => executor };
}

const servers: RpcServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function backend(server: RpcServer, extra: Partial<ExecutorBackendOptions> = {}) {
  let slots: FakeSlots | undefined;
  const b = new ExecutorBackend({
    executorId: '7',
    host: 'worker-3',
    cores: 2,
    driverHost: '127.0.0.1',
    driverPort: server.address.port,
    secret: SECRET,
    logger: silentLogger(),
    pid: 4242,
    connectOptions: { attempts: 1 },
    startSlots: async (conf, events) => {
      expect(conf).toEqual({ 'spark.app.name': 'test' });
      slots = new FakeSlots(2, events);
      return slots;
    },
    ...extra,
  });
  return { backend: b, slots: () => slots! };
}

const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ExecutorBackend', () => {
  it('fetches the configuration, starts its slots, registers, runs tasks and reports results, stops when told', async () => {
    const driver = await fakeDriver();
    servers.push(driver.server);
    const fetched: string[] = [];
    const { backend: b, slots } = backend(driver.server, {
      fetchBlock: async (address, blockId) => {
        fetched.push(`${address.host}:${address.port} ${blockId}`);
        await new Promise((r) => setTimeout(r, 20));
        return Buffer.from('bc');
      },
    });
    const exit = b.run();
    const c = await driver.registered;
    expect(driver.seen.slice(0, 2)).toEqual([
      { type: Msg.RETRIEVE_APP_CONFIG, executorId: '7' },
      { type: Msg.REGISTER_EXECUTOR, executorId: '7', host: 'worker-3', cores: 2, pid: 4242 },
    ]);
    await until(() => b.currentState === 'REGISTERED');

    // broadcast 3 ('bc') is one piece the executor fetches from the driver's block server
    c.send({
      type: Msg.BROADCAST_INFO,
      id: 3,
      totalBytes: 2,
      pieces: [{ length: 2, checksum: pieceChecksum(Buffer.from('bc')) }],
      holders: [{ id: 'driver', host: 'driver-host', port: 4040 }],
      pieceHolders: [[0]],
    });
    c.send({ type: Msg.STAGE_BINARY, binaryId: 1 }, Buffer.from('bin'));
    c.send({ type: Msg.LAUNCH_TASK, taskId: 10, binaryId: 1, broadcastIds: [3] }, Buffer.from('abc'));
    c.send({ type: Msg.LAUNCH_TASK, taskId: 11, binaryId: 1, broadcastIds: [] }, Buffer.from('xyz'));
    await until(() => driver.results.length === 2);
    expect(driver.results.sort((a, b) => a.taskId - b.taskId)).toEqual([
      { taskId: 10, body: 'cba' },
      { taskId: 11, body: 'zyx' },
    ]);
    expect(fetched).toEqual(['driver-host:4040 broadcast_3_piece0']);
    c.send({ type: Msg.DROP_BINARY, binaryId: 1 });
    c.send({ type: Msg.DROP_BROADCAST, id: 3 });
    c.send({ type: Msg.DROP_RDD, rddId: 5 });
    c.send({ type: Msg.STOP_EXECUTOR });
    expect(await exit).toEqual({ code: ExitCode.OK, reason: 'the driver asked this executor to stop' });
    // task 11 needs no broadcast: it does not wait for task 10's fetch
    expect(slots().calls).toEqual([
      'binary 1 bin',
      'launch 11 1 []',
      'broadcast 3 bc',
      'launch 10 1 [3]',
      'dropBinary 1',
      'dropBroadcast 3',
      'dropRdd 5',
    ]);
    expect(slots().stopped).toBe(true);
    expect((await c.whenClosed()).message).toMatch(/closed the connection/);
  });

  it('deletes a shuffle\'s files on RemoveShuffle, and a failure to do so does not stop it', async () => {
    const driver = await fakeDriver();
    servers.push(driver.server);
    const removed: number[] = [];
    const { backend: b } = backend(driver.server, {
      removeShuffle: async (shuffleId) => {
        removed.push(shuffleId);
        if (shuffleId === 9) throw new Error('disk gone');
        return 2;
      },
    });
    const exit = b.run();
    const c = await driver.registered;
    await until(() => b.currentState === 'REGISTERED');
    c.send({ type: Msg.REMOVE_SHUFFLE, shuffleId: 4 });
    c.send({ type: Msg.REMOVE_SHUFFLE, shuffleId: 9 });
    await until(() => removed.length === 2);
    expect(removed).toEqual([4, 9]);
    expect(b.currentState).toBe('REGISTERED');
    c.send({ type: Msg.STOP_EXECUTOR });
    expect((await exit).code).toBe(ExitCode.OK);
  });

  it('sends heartbeats with its running task count', async () => {
    const driver = await fakeDriver();
    servers.push(driver.server);
    const { backend: b } = backend(driver.server, { heartbeatIntervalMs: 20 });
    const exit = b.run();
    await driver.registered;
    await until(() => driver.seen.filter((m) => m.type === Msg.HEARTBEAT).length >= 3);
    expect(driver.seen.find((m) => m.type === Msg.HEARTBEAT)).toEqual({
      type: Msg.HEARTBEAT,
      executorId: '7',
      runningTasks: 0,
    });
    b.stop('test over');
    expect((await exit).code).toBe(ExitCode.OK);
  });

  it('exits when the driver endpoint goes away, naming it', async () => {
    const driver = await fakeDriver();
    const { backend: b, slots } = backend(driver.server);
    const exit = b.run();
    await driver.registered;
    await driver.server.close();
    const result = await exit;
    expect(result.code).toBe(ExitCode.REMOTE);
    expect(result.reason).toMatch(
      new RegExp(`^lost the driver endpoint at 127\\.0\\.0\\.1:${driver.server.address.port}: `),
    );
    expect(slots().stopped).toBe(true);
  });

  it('exits when the driver stops answering heartbeats for longer than the timeout', async () => {
    const driver = await fakeDriver({ heartbeat: () => new Promise(() => undefined) });
    servers.push(driver.server);
    const { backend: b } = backend(driver.server, { heartbeatIntervalMs: 20, driverTimeoutMs: 150 });
    const started = Date.now();
    const result = await b.run();
    expect(result.code).toBe(ExitCode.REMOTE);
    expect(result.reason).toMatch(
      /has not answered a heartbeat for \d+ ms \(spark\.network\.timeout = 150 ms\)/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('exits when the driver says it no longer knows this executor', async () => {
    const driver = await fakeDriver({
      heartbeat: () => ({ type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: true }),
    });
    servers.push(driver.server);
    const { backend: b } = backend(driver.server, { heartbeatIntervalMs: 20 });
    expect((await b.run()).reason).toBe('the driver no longer knows executor 7 (it was declared lost)');
  });

  it('does not start with the wrong secret, and says why', async () => {
    const driver = await fakeDriver();
    servers.push(driver.server);
    let started = false;
    const { backend: b } = backend(driver.server, {
      secret: 'not-the-secret',
      startSlots: async () => {
        started = true;
        throw new Error('unreachable');
      },
    });
    const result = await b.run();
    expect(result.code).toBe(ExitCode.PERMISSION);
    expect(result.reason).toMatch(
      /^executor 7 could not join the driver at 127\.0\.0\.1:\d+: the driver endpoint .* could not prove it holds the application secret/,
    );
    expect(started).toBe(false);
    expect(driver.seen).toEqual([]);
  });

  it('turns a result too large for one message into a failed task instead of losing it', async () => {
    const driver = await fakeDriver();
    servers.push(driver.server);
    const { backend: b } = backend(driver.server, {
      connectOptions: { attempts: 1, maxFrameBytes: 64 * 1024 },
    });
    const exit = b.run();
    const c = await driver.registered;
    c.send({ type: Msg.STAGE_BINARY, binaryId: 1 }, Buffer.from('bin'));
    c.send({ type: Msg.LAUNCH_TASK, taskId: 12, binaryId: 1, broadcastIds: [] }, Buffer.from('size:102400'));
    await until(() => driver.results.length === 1);
    expect(driver.results[0]!.taskId).toBe(12);
    const sent = decodeTaskResult(driver.raw[0]!);
    expect(sent).toMatchObject({
      taskId: 12,
      ok: false,
      error: { name: 'TaskResultTooLarge', code: 'RPC_FRAME_TOO_LARGE' },
    });
    expect(sent.ok === false && sent.error.message).toMatch(
      /result of task 12 is 102400 bytes, .*spark\.rpc\.message\.maxSize/,
    );
    expect(b.currentState).toBe('REGISTERED');
    b.stop('test over');
    await exit;
  });

  it('exits when a task slot dies', async () => {
    const driver = await fakeDriver();
    servers.push(driver.server);
    let events: TaskSlotEvents | undefined;
    const { backend: b } = backend(driver.server, {
      startSlots: async (_conf, e) => {
        events = e;
        return new FakeSlots(1, e);
      },
    });
    const exit = b.run();
    await driver.registered;
    events!.onFatal('task slot 0 crashed: out of memory');
    expect(await exit).toEqual({
      code: ExitCode.INTERNAL,
      reason: 'executor 7: task slot 0 crashed: out of memory',
    });
  });
});

describe('executor arguments', () => {
  it('reads the flags the ApplicationMaster writes, and a driver URL in either form', () => {
    expect(
      parseExecutorArgs([
        '--app-id',
        'application_1_2',
        '--executor-id',
        '3',
        '--cores',
        '2',
        '--properties-file',
        'p',
        '--app',
        'a.mjs',
        '--driver-url',
        'spark://CoarseGrainedScheduler@node1:7078',
      ]),
    ).toEqual({
      executorId: '3',
      cores: 2,
      driver: { host: 'node1', port: 7078 },
      hostname: undefined,
      appId: 'application_1_2',
      propertiesFile: 'p',
      app: 'a.mjs',
    });
    expect(parseDriverUrl('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(() => parseDriverUrl('node1')).toThrow(/must be host:port/);
    expect(() => parseExecutorArgs(['--cores', '2'])).toThrow(/--executor-id is required/);
    expect(() => parseExecutorArgs(['--executor-id', '1', '--cores', '0'])).toThrow(/positive integer/);
    expect(() => parseExecutorArgs(['--executor-id', '1', '--secret', 'x'])).toThrow(
      /Unknown option '--secret'/,
    );
  });
});

describe('application secret for executors', () => {
  const secret = Buffer.from([0, 1, 2, 250, 251, 252, 7, 8]);

  it('is read raw from the container credentials file (as the ResourceManager writes it)', async () => {
    const file = writeTokenStorage({
      tokens: [],
      secretKeys: [{ alias: 'tspark.application.secret', value: secret }],
    });
    const env: NodeJS.ProcessEnv = { HADOOP_TOKEN_FILE_LOCATION: '/container_tokens' };
    const read = await readApplicationSecret(env, async (path) => {
      expect(path).toBe('/container_tokens');
      return file;
    });
    expect(read).toEqual(secret);
  });

  it('falls back to the launcher variable, which it removes from the environment', async () => {
    const env: NodeJS.ProcessEnv = { TSPARK_AUTH_SECRET: secret.toString('base64'), OTHER: 'x' };
    expect(await readApplicationSecret(env)).toEqual(secret);
    expect(env).toEqual({ OTHER: 'x' });
    await expect(readApplicationSecret(env)).rejects.toThrow(
      /no application secret: expected "tspark\.application\.secret"/,
    );
  });
});
