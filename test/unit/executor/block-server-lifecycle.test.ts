import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ShuffleBlockServer, ShuffleFileResolver } from '../../../src/core/shuffle/remote/index.js';
import { ExecutorBackend } from '../../../src/executor/executor-backend.js';
import { Msg } from '../../../src/executor/protocol.js';
import type { TaskSlots } from '../../../src/executor/task-slots.js';
import { silentLogger } from '../../../src/log.js';
import type { RpcMessage } from '../../../src/rpc/codec/app-frame.js';
import { RpcServer } from '../../../src/rpc/rpc-server.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * The executor backend starts its block server after it has the application's
 * configuration and before its task slots, registers with its port, hands
 * its address to the slots, and closes it when the executor stops.
 */

const SECRET = 'block-server-lifecycle-secret';
const servers: RpcServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('ExecutorBackend with a block server', () => {
  it('registers its block port, gives the slots its address, and closes it on stop', async () => {
    const driver = await RpcServer.listen({
      bindAddress: '127.0.0.1',
      port: 0,
      secret: SECRET,
      logger: silentLogger(),
    });
    servers.push(driver);
    const order: string[] = [];
    let registration: RpcMessage | undefined;
    const registered = new Promise<void>((resolve) => {
      driver.handle(Msg.RETRIEVE_APP_CONFIG, () => ({
        type: Msg.APP_CONFIG,
        conf: { 'spark.blockManager.port': '0' },
      }));
      driver.handle(Msg.REGISTER_EXECUTOR, (m) => {
        order.push('register');
        registration = m;
        setImmediate(resolve);
        return { type: Msg.REGISTERED_EXECUTOR };
      });
    });
    driver.handle(Msg.HEARTBEAT, () => ({ type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: false }));

    let blockServer: ShuffleBlockServer | undefined;
    let slotsGot: { host: string; port: number } | undefined;
    const b = new ExecutorBackend({
      executorId: '3',
      host: '127.0.0.1',
      cores: 1,
      driverHost: '127.0.0.1',
      driverPort: driver.address.port,
      secret: SECRET,
      logger: silentLogger(),
      connectOptions: { attempts: 1 },
      startBlockServer: async (conf) => {
        order.push(`block server (port conf ${conf['spark.blockManager.port']})`);
        blockServer = await ShuffleBlockServer.start({
          bindAddress: '127.0.0.1',
          advertisedHost: '127.0.0.1',
          port: 0,
          secret: SECRET,
          resolver: new ShuffleFileResolver([tempDir('tspark-bs-life-')]),
          logger: silentLogger(),
          executorId: '3',
        });
        return blockServer;
      },
      startSlots: async (_conf, _events, address) => {
        order.push('slots');
        slotsGot = address;
        return {
          cores: 1,
          running: 0,
          addBinary: () => undefined,
          dropBinary: () => undefined,
          addBroadcast: () => undefined,
          dropBroadcast: () => undefined,
          dropRdd: () => undefined,
          launch: () => undefined,
          stop: async () => undefined,
        } satisfies TaskSlots;
      },
    });
    const exit = b.run();
    await registered;
    const port = blockServer!.address.port;
    expect(order).toEqual(['block server (port conf 0)', 'slots', 'register']);
    expect(registration).toMatchObject({ executorId: '3', host: '127.0.0.1', blockPort: port });
    expect(slotsGot).toEqual({ host: '127.0.0.1', port });
    expect(await refused(port)).toBe(false);

    driver.connections[0]!.send({ type: Msg.STOP_EXECUTOR });
    expect((await exit).reason).toBe('the driver asked this executor to stop');
    expect(await refused(port)).toBe(true);
  });
});
