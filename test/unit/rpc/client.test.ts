import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { backoffDelayMs } from '../../../src/rpc/backoff.js';
import { resolveDriverEndpointAddress } from '../../../src/rpc/endpoint-address.js';
import { RpcTimeoutError, RpcUnreachableError } from '../../../src/rpc/errors.js';
import { RpcClient } from '../../../src/rpc/rpc-client.js';
import { RpcBindError, RpcServer } from '../../../src/rpc/rpc-server.js';
import { ConfigError } from '../../../src/errors.js';
import { SECRET, startServer } from './loopback.js';

const servers: RpcServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A port nobody listens on: bound once, then released. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('backoff', () => {
  it('doubles from the base up to the cap, each delay in the upper half of its step', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    ceilings.forEach((ceiling, i) => {
      expect(backoffDelayMs(i + 1, policy, () => 0)).toBe(ceiling / 2);
      expect(backoffDelayMs(i + 1, policy, () => 0.999999)).toBe(ceiling);
      expect(backoffDelayMs(i + 1, policy, () => 0.5)).toBe(Math.round(ceiling * 0.75));
    });
  });
});

describe('RpcClient.connect', () => {
  it('retries an unreachable peer with backoff and jitter, then names host:port and the keys to check', async () => {
    const port = await deadPort();
    const slept: number[] = [];
    const draws = [0, 0.5, 1 - 1e-9];
    const error = await RpcClient.connect('127.0.0.1', port, SECRET, {
      logger: silentLogger(),
      peerName: 'driver endpoint',
      attempts: 4,
      backoff: { baseMs: 40, maxMs: 100 },
      random: () => draws.shift()!,
      sleep: async (ms) => {
        slept.push(ms);
      },
    }).catch((e: unknown) => e);
    expect(slept).toEqual([20, 60, 100]);
    expect(error).toBeInstanceOf(RpcUnreachableError);
    expect(error).toMatchObject({
      code: 'RPC_UNREACHABLE',
      retriable: true,
      context: { peer: `127.0.0.1:${port}`, attempts: 4 },
    });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot reach the driver endpoint at 127\\.0\\.0\\.1:${port} after 4 attempt\\(s\\): .*ECONNREFUSED.*spark\\.driver\\.host`,
      ),
    );
  });

  it('connects once the peer comes up between attempts', async () => {
    const port = await deadPort();
    let started: RpcServer | undefined;
    const connection = await RpcClient.connect('127.0.0.1', port, SECRET, {
      logger: silentLogger(),
      attempts: 3,
      random: () => 0,
      sleep: async () => {
        started ??= await RpcServer.listen({
          bindAddress: '127.0.0.1',
          port,
          secret: SECRET,
          logger: silentLogger(),
        });
        servers.push(started);
      },
    });
    expect(connection.isOpen).toBe(true);
    connection.close();
  });

  it('gives each TCP connect attempt a timeout', async () => {
    const error = await RpcClient.connect('203.0.113.1', 7077, SECRET, {
      logger: silentLogger(),
      attempts: 2,
      connectTimeoutMs: 50,
      sleep: async () => undefined,
      // a socket that never connects, as when SYNs are dropped
      socketFactory: () => new net.Socket(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcUnreachableError);
    expect((error as Error).cause).toBeInstanceOf(RpcTimeoutError);
    expect((error as Error).message).toMatch(
      /203\.0\.113\.1:7077 after 2 attempt\(s\): TCP connect to 203\.0\.113\.1:7077 did not finish within 50 ms/,
    );
  });

  it('refuses an empty secret before connecting', async () => {
    await expect(RpcClient.connect('127.0.0.1', 1, '', { logger: silentLogger() })).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(
      RpcServer.listen({
        bindAddress: '127.0.0.1',
        port: 0,
        secret: new Uint8Array(0),
        logger: silentLogger(),
      }),
    ).rejects.toThrow(/application secret is empty/);
  });
});

describe('RpcServer binding', () => {
  it('listens on an ephemeral port and advertises the host it was given', async () => {
    const s = await startServer({ advertisedHost: 'driver.example.com' });
    servers.push(s);
    expect(s.address.host).toBe('driver.example.com');
    expect(s.address.port).toBeGreaterThan(0);
    expect(s.boundPort).toBe(s.address.port);
    const plain = await startServer();
    servers.push(plain);
    expect(plain.address.host).toBe('127.0.0.1');
  });

  it('moves to the next port when the requested one is busy, up to portMaxRetries', async () => {
    const first = await startServer();
    servers.push(first);
    const busy = first.address.port;
    const second = await startServer({ port: busy, portMaxRetries: 20 });
    servers.push(second);
    expect(second.address.port).toBeGreaterThan(busy);
    expect(second.address.port).toBeLessThanOrEqual(busy + 20);
    const error = await startServer({ port: busy, portMaxRetries: 0, name: 'driver endpoint' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RpcBindError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^driver endpoint cannot listen on 127\\.0\\.0\\.1:${busy}: .*EADDRINUSE.*spark\\.driver\\.port`,
      ),
    );
  });

  it('names the bind address when it is not an address of this host', async () => {
    const error = await startServer({ bindAddress: '192.0.2.1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcBindError);
    expect((error as Error).message).toMatch(/cannot listen on 192\.0\.2\.1:0: .*spark\.driver\.bindAddress/);
  });
});

describe('driver endpoint address', () => {
  it('follows Spark: host defaults to the local name, bindAddress to the host, port to 0', () => {
    expect(resolveDriverEndpointAddress({}, 'node7')).toEqual({
      bindAddress: 'node7',
      advertisedHost: 'node7',
      port: 0,
    });
    expect(resolveDriverEndpointAddress({ host: 'gw.example.com' }, 'node7')).toEqual({
      bindAddress: 'gw.example.com',
      advertisedHost: 'gw.example.com',
      port: 0,
    });
    expect(
      resolveDriverEndpointAddress({ host: 'gw.example.com', bindAddress: '0.0.0.0', port: 7078 }, 'node7'),
    ).toEqual({
      bindAddress: '0.0.0.0',
      advertisedHost: 'gw.example.com',
      port: 7078,
    });
    expect(resolveDriverEndpointAddress({ host: ' ', bindAddress: '' }, 'node7').advertisedHost).toBe(
      'node7',
    );
  });
});
