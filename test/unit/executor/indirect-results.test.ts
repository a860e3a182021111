import { afterEach, describe, expect, it } from 'vitest';
import {
  BlockClientPool,
  BlockNotFoundError,
  BlockServer,
} from '../../../src/core/shuffle/remote/index.js';
import { ExecutorBackend } from '../../../src/executor/executor-backend.js';
import { Msg, type StatusUpdate } from '../../../src/executor/protocol.js';
import {
  effectiveMaxDirectResultBytes,
  routeTaskResult,
  STATUS_UPDATE_HEADROOM_BYTES,
} from '../../../src/executor/result-routing.js';
import type { TaskSlotEvents, TaskSlots } from '../../../src/executor/task-slots.js';
import { silentLogger } from '../../../src/log.js';
import { RpcServer } from '../../../src/rpc/rpc-server.js';

/**
 * Spark's IndirectTaskResult on the executor side: which results ride the
 * StatusUpdate, which stay as taskresult_<taskId> blocks on the executor's
 * (real) block server until the driver removes them, and which are dropped
 * because they alone break spark.driver.maxResultSize.
 */

const SECRET = 'indirect-results-secret';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('routeTaskResult', () => {
  const limits = { maxDirectBytes: 1000, maxResultBytes: 5000 };

  it('sends small results directly, larger ones as a block, and drops those over maxResultSize', () => {
    expect(routeTaskResult(3, 0, limits)).toEqual({ kind: 'direct' });
    expect(routeTaskResult(3, 1000, limits)).toEqual({ kind: 'direct' });
    expect(routeTaskResult(3, 1001, limits)).toEqual({ kind: 'indirect', blockId: 'taskresult_3', size: 1001 });
    expect(routeTaskResult(3, 5000, limits)).toEqual({ kind: 'indirect', blockId: 'taskresult_3', size: 5000 });
    expect(routeTaskResult(3, 5001, limits)).toEqual({ kind: 'dropped', blockId: 'taskresult_3', size: 5001 });
  });

  it('checks maxResultSize first, and 0 means no limit', () => {
    // a limit below the direct size still drops, as Spark does
    expect(routeTaskResult(9, 600, { maxDirectBytes: 1000, maxResultBytes: 500 }).kind).toBe('dropped');
    expect(routeTaskResult(9, 10 ** 9, { maxDirectBytes: 1000, maxResultBytes: 0 }).kind).toBe('indirect');
  });

  it('caps the direct size below the RPC frame limit', () => {
    expect(effectiveMaxDirectResultBytes(1 << 20, 128 << 20)).toBe(1 << 20);
    expect(effectiveMaxDirectResultBytes(200 << 20, 128 << 20)).toBe((128 << 20) - STATUS_UPDATE_HEADROOM_BYTES);
    expect(effectiveMaxDirectResultBytes(1 << 20, 1000)).toBe(0);
  });
});

/** Slots whose task "size:N" finishes with a result of N bytes (byte i = i mod 251). */
function sizedSlots(events: TaskSlotEvents): TaskSlots {
  return {
    cores: 1,
    running: 0,
    addBinary: () => undefined,
    dropBinary: () => undefined,
    addBroadcast: () => undefined,
    dropBroadcast: () => undefined,
    dropRdd: () => undefined,
    launch: (taskId, task) => {
      const n = Number(Buffer.from(task).toString().slice(5));
      setImmediate(() => events.onResult(taskId, pattern(n)));
    },
    stop: async () => undefined,
  };
}

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

const until = async (check: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ExecutorBackend with indirect results', () => {
  it('keeps large results as blocks on its block server until the driver removes them', async () => {
    const driver = await RpcServer.listen({ bindAddress: '127.0.0.1', port: 0, secret: SECRET, logger: silentLogger() });
    cleanups.push(() => driver.close());
    const updates: { update: StatusUpdate; body: Buffer }[] = [];
    const registered = new Promise<void>((resolve) => {
      driver.handle(Msg.RETRIEVE_APP_CONFIG, () => ({
        type: Msg.APP_CONFIG,
        conf: { 'spark.task.maxDirectResultSize': '1000', 'spark.driver.maxResultSize': '50k' },
      }));
      driver.handle(Msg.REGISTER_EXECUTOR, () => {
        setImmediate(resolve);
        return { type: Msg.REGISTERED_EXECUTOR };
      });
    });
    driver.handle(Msg.STATUS_UPDATE, (m, ctx) => {
      updates.push({ update: m as StatusUpdate, body: Buffer.from(ctx.body) });
    });
    driver.handle(Msg.HEARTBEAT, () => ({ type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: false }));
    let server: BlockServer | undefined;
    const b = new ExecutorBackend({
      executorId: '5',
      host: '127.0.0.1',
      cores: 1,
      driverHost: '127.0.0.1',
      driverPort: driver.address.port,
      secret: SECRET,
      logger: silentLogger(),
      connectOptions: { attempts: 1 },
      startBlockServer: async () =>
        (server = await BlockServer.start({
          bindAddress: '127.0.0.1',
          advertisedHost: '127.0.0.1',
          port: 0,
          secret: SECRET,
          logger: silentLogger(),
          executorId: '5',
        })),
      startSlots: async (_conf, events) => sizedSlots(events),
    });
    const exit = b.run();
    cleanups.push(async () => {
      b.stop('test over');
      await exit;
    });
    await registered;
    const c = driver.connections[0]!;
    c.send({ type: Msg.LAUNCH_TASK, taskId: 1, binaryId: 0, broadcastIds: [] }, Buffer.from('size:800'));
    c.send({ type: Msg.LAUNCH_TASK, taskId: 2, binaryId: 0, broadcastIds: [] }, Buffer.from('size:30000'));
    c.send({ type: Msg.LAUNCH_TASK, taskId: 3, binaryId: 0, broadcastIds: [] }, Buffer.from('size:60000'));
    await until(() => updates.length === 3);
    const byTask = new Map(updates.map((u) => [u.update.taskId, u]));

    // direct: the bytes are the body
    expect(byTask.get(1)!.update.indirect).toBeUndefined();
    expect(byTask.get(1)!.body.equals(pattern(800))).toBe(true);

    // indirect: no body, the block is on the block server
    expect(byTask.get(2)!.update.indirect).toEqual({ blockId: 'taskresult_2', size: 30000 });
    expect(byTask.get(2)!.body.length).toBe(0);
    const pool = new BlockClientPool({ secret: SECRET, logger: silentLogger(), connectAttempts: 1 });
    cleanups.push(() => pool.close());
    const fetched = await pool.fetchBlock(server!.address, 'taskresult_2', { chunkBytes: 4096 });
    expect(fetched.equals(pattern(30000))).toBe(true);

    // dropped: only the size, nothing kept
    expect(byTask.get(3)!.update.indirect).toEqual({ blockId: 'taskresult_3', size: 60000, dropped: true });
    await expect(pool.fetchBlock(server!.address, 'taskresult_3')).rejects.toBeInstanceOf(BlockNotFoundError);
    expect(b.resultsSent).toEqual({ direct: 1, indirect: 1, dropped: 1, held: 1 });

    // the driver removes the block once it has it
    c.send({ type: Msg.REMOVE_BLOCK, blockId: 'taskresult_2' });
    await until(() => b.resultsSent.held === 0);
    await expect(pool.fetchBlock(server!.address, 'taskresult_2')).rejects.toBeInstanceOf(BlockNotFoundError);
  });
});
