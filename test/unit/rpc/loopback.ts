import net from 'node:net';
import { silentLogger } from '../../../src/log.js';
import { RpcClient, type RpcConnectOptions } from '../../../src/rpc/rpc-client.js';
import type { RpcConnection } from '../../../src/rpc/rpc-connection.js';
import { RpcServer, type RpcServerOptions } from '../../../src/rpc/rpc-server.js';

/** Loopback helpers for the RPC tests: a server on 127.0.0.1 and clients of it. */

export const SECRET = 'test-application-secret';

export async function startServer(options: Partial<RpcServerOptions> = {}): Promise<RpcServer> {
  return RpcServer.listen({
    bindAddress: '127.0.0.1',
    port: 0,
    secret: SECRET,
    logger: silentLogger(),
    ...options,
  });
}

export async function connect(
  server: RpcServer,
  options: Partial<RpcConnectOptions> & { secret?: string } = {},
): Promise<RpcConnection> {
  const { secret, ...rest } = options;
  return RpcClient.connect('127.0.0.1', server.address.port, secret ?? SECRET, {
    logger: silentLogger(),
    attempts: 1,
    ...rest,
  });
}

/** The next authenticated connection the server hands out. */
export function nextConnection(server: RpcServer): Promise<RpcConnection> {
  return new Promise((resolve) => server.once('connection', resolve));
}

/** A plain TCP socket to the server, for speaking raw bytes. */
export async function rawSocket(
  port: number,
): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** Resolves after `ms` (for "nothing happened" checks). */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
