import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import {
  RpcConnectionClosedError,
  RpcFrameTooLargeError,
  RpcRemoteError,
  RpcTimeoutError,
} from '../../../src/rpc/errors.js';
import { RpcConnection, RpcReply } from '../../../src/rpc/rpc-connection.js';
import type { RpcServer } from '../../../src/rpc/rpc-server.js';
import { TsparkError } from '../../../src/errors.js';
import { connect, nextConnection, pause, SECRET, startServer } from './loopback.js';

let server: RpcServer | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await server?.close();
  server = undefined;
});

/**
 * A server built from RpcConnection directly over sockets the test holds, so
 * the test can kill the peer's socket (RST) the way a dying process would.
 */
async function serverWithSockets(setup: (c: RpcConnection) => void) {
  const sockets: net.Socket[] = [];
  const plain = net.createServer((socket) => {
    sockets.push(socket);
    const c = new RpcConnection({
      stream: socket,
      role: 'server',
      secret: Buffer.from(SECRET),
      peer: 'test',
      logger: silentLogger(),
      randomBytes: (n) => Buffer.alloc(n, 3),
    });
    setup(c);
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => plain.close());
  return { port: (plain.address() as net.AddressInfo).port, sockets };
}

describe('RpcConnection', () => {
  it('matches many concurrent requests with their responses, answered out of order', async () => {
    server = await startServer();
    server.handle('double', async (m) => {
      await pause((Number(m.n) * 7919) % 13);
      return { type: 'doubled', n: m.n, value: Number(m.n) * 2 };
    });
    const client = await connect(server);
    const count = 2000;
    const responses = await Promise.all(
      Array.from({ length: count }, (_, n) => client.request({ type: 'double', n })),
    );
    for (let n = 0; n < count; n++)
      expect(responses[n]!.message).toEqual({ type: 'doubled', n, value: n * 2 });
    expect(client.pendingRequests).toBe(0);
    client.close();
  });

  it('delivers one-way messages in order, and runs their handler with the connection', async () => {
    server = await startServer();
    const seen: number[] = [];
    const done = new Promise<RpcConnection>((resolve) =>
      server!.handle('tick', (m, ctx) => {
        seen.push(Number(m.i));
        expect(ctx.isRequest).toBe(false);
        if (seen.length === 500) resolve(ctx.connection);
      }),
    );
    const accepted = nextConnection(server);
    const client = await connect(server);
    for (let i = 0; i < 500; i++) client.send({ type: 'tick', i });
    expect(await done).toBe(await accepted);
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
    client.close();
  });

  it('carries raw bodies both ways, from one buffer or several', async () => {
    server = await startServer();
    server.handle(
      'reverse',
      (_m, ctx) =>
        new RpcReply({ type: 'reversed', length: ctx.body.length }, [Buffer.from(ctx.body).reverse()]),
    );
    const client = await connect(server);
    const parts = [Buffer.from('abc'), Buffer.alloc(0), Buffer.from('defgh')];
    const response = await client.request({ type: 'reverse' }, { body: parts });
    expect(response.message).toEqual({ type: 'reversed', length: 8 });
    expect(response.body.toString()).toBe('hgfedcba');
    expect((await client.request({ type: 'reverse' })).body.length).toBe(0);
    client.close();
  });

  it('turns a throwing handler into RpcRemoteError, a missing one into RPC_NO_HANDLER, and nothing into ack', async () => {
    server = await startServer();
    server.handle('fail', () => {
      throw new TsparkError('EXECUTOR_BUSY', 'executor 4 has no free slot');
    });
    server.handle('failAsync', async () => Promise.reject(new RangeError('bad index')));
    server.handle('quiet', () => undefined);
    const client = await connect(server, { peerName: 'driver endpoint' });
    const thrown = await client.request({ type: 'fail' }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(RpcRemoteError);
    expect(thrown).toMatchObject({
      code: 'RPC_REMOTE_ERROR',
      remoteName: 'TsparkError',
      remoteCode: 'EXECUTOR_BUSY',
    });
    expect((thrown as Error).message).toBe(
      `TsparkError: executor 4 has no free slot (request "fail" to the driver endpoint at 127.0.0.1:${server.address.port})`,
    );
    await expect(client.request({ type: 'failAsync' })).rejects.toThrow(/^RangeError: bad index/);
    await expect(client.request({ type: 'nobody' })).rejects.toMatchObject({ remoteCode: 'RPC_NO_HANDLER' });
    expect((await client.request({ type: 'quiet' })).message).toEqual({ type: 'ack' });
    expect(client.isOpen).toBe(true);
    client.close();
  });

  it('times out a request without an answer, drops the late answer, and keeps working', async () => {
    server = await startServer();
    server.handle('slow', async () => {
      await pause(150);
      return { type: 'late' };
    });
    server.handle('fast', () => ({ type: 'fast' }));
    const client = await connect(server, { requestTimeoutMs: 50 });
    const error = await client.request({ type: 'slow' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error).toMatchObject({ code: 'RPC_TIMEOUT', retriable: true });
    expect((error as Error).message).toMatch(
      /request "slow" to the RPC server at 127\.0\.0\.1:\d+ got no response within 50 ms/,
    );
    await expect(client.request({ type: 'slow' }, { timeoutMs: 1000 })).resolves.toMatchObject({
      message: { type: 'late' },
    });
    await pause(200);
    expect((await client.request({ type: 'fast' })).message).toEqual({ type: 'fast' });
    expect(client.pendingRequests).toBe(0);
    client.close();
  });

  it('fails every pending request with a closed error naming the peer when the peer dies', async () => {
    const { port, sockets } = await serverWithSockets((c) =>
      c.handle('hang', () => new Promise(() => undefined)),
    );
    const client = await connect({ address: { host: '127.0.0.1', port } } as RpcServer, {
      peerName: 'driver endpoint',
    });
    const closed = new Promise<Error>((resolve) => client.on('closed', resolve));
    const pending = Array.from({ length: 5 }, (_, i) =>
      client.request({ type: 'hang', i }).catch((e: unknown) => e),
    );
    await pause(30);
    expect(client.pendingRequests).toBe(5);
    sockets[0]!.resetAndDestroy();
    const errors = await Promise.all(pending);
    for (const e of errors) {
      expect(e).toBeInstanceOf(RpcConnectionClosedError);
      expect(e).toMatchObject({
        code: 'RPC_CONNECTION_CLOSED',
        retriable: true,
        context: { peer: `127.0.0.1:${port}` },
      });
      expect((e as Error).message).toContain(`driver endpoint at 127.0.0.1:${port}`);
    }
    expect((await closed).message).toMatch(/ECONNRESET|closed the connection/);
    expect(client.currentState).toBe('CLOSED');
    expect(() => client.send({ type: 'after' })).toThrow(RpcConnectionClosedError);
    await expect(client.request({ type: 'after' })).rejects.toBeInstanceOf(RpcConnectionClosedError);
  });

  it('close() fails pending requests as not retriable, and the peer sees the connection close', async () => {
    server = await startServer();
    server.handle('hang', () => new Promise(() => undefined));
    const accepted = nextConnection(server);
    const client = await connect(server);
    const serverSide = await accepted;
    const pending = client.request({ type: 'hang' }).catch((e: unknown) => e);
    await pause(20);
    client.close();
    client.close();
    const error = await pending;
    expect(error).toMatchObject({ code: 'RPC_CONNECTION_CLOSED', retriable: false });
    expect((await serverSide.whenClosed()).message).toMatch(/closed the connection/);
    expect((await client.whenClosed()).message).toMatch(/closed by this side/);
  });

  it('server.close() closes its connections; clients see why', async () => {
    server = await startServer({ name: 'driver endpoint' });
    const client = await connect(server);
    const closed = client.whenClosed();
    await server.close();
    expect((await closed).message).toMatch(/closed the connection/);
    expect(server.connections).toEqual([]);
  });

  it('refuses to send a frame over the limit without hurting the connection', async () => {
    server = await startServer();
    server.handle('echo', () => ({ type: 'echo' }));
    const client = await connect(server, { maxFrameBytes: 1024 * 1024 });
    const error = await client
      .request({ type: 'echo' }, { body: Buffer.alloc(2 * 1024 * 1024) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcFrameTooLargeError);
    expect((error as Error).message).toMatch(
      /exceeds the limit of 1048576 bytes; raise spark\.rpc\.message\.maxSize/,
    );
    expect(() => client.send({ type: 'echo' }, Buffer.alloc(2 * 1024 * 1024))).toThrow(RpcFrameTooLargeError);
    expect(client.pendingRequests).toBe(0);
    expect((await client.request({ type: 'echo' })).message).toEqual({ type: 'echo' });
    client.close();
  });

  it('closes a connection whose peer sends a frame over our limit, and answers a too-large response with an error', async () => {
    server = await startServer({ maxFrameBytes: 64 * 1024 });
    server.handle('big', () => new RpcReply({ type: 'big' }, Buffer.alloc(100 * 1024)));
    const accepted = nextConnection(server);
    const client = await connect(server, { maxFrameBytes: 1024 * 1024 });
    const serverSide = await accepted;
    await expect(client.request({ type: 'big' })).rejects.toMatchObject({
      remoteCode: 'RPC_FRAME_TOO_LARGE',
    });
    const pending = client
      .request({ type: 'big' }, { body: Buffer.alloc(100 * 1024) })
      .catch((e: unknown) => e);
    const cause = await serverSide.whenClosed();
    expect(cause).toBeInstanceOf(RpcFrameTooLargeError);
    expect(cause.message).toMatch(/exceeds the limit of 65536 bytes/);
    expect(await pending).toBeInstanceOf(RpcConnectionClosedError);
  });

  it('reports backpressure from send() and resolves drained() once the socket has room', async () => {
    server = await startServer();
    let bytes = 0;
    const all = new Promise<void>((resolve) =>
      server!.handle('chunk', (_m, ctx) => {
        bytes += ctx.body.length;
        if (bytes === 32 * 1024 * 1024) resolve();
      }),
    );
    const client = await connect(server);
    let refusals = 0;
    for (let i = 0; i < 32; i++) {
      if (!client.send({ type: 'chunk', i }, Buffer.alloc(1024 * 1024, i))) {
        refusals++;
        await client.drained();
      }
    }
    await all;
    expect(refusals).toBeGreaterThan(0);
    await expect(client.drained()).resolves.toBeUndefined();
    client.close();
  });

  it('refuses to send before authentication completed', async () => {
    const plain = net.createServer(() => undefined);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => plain.close());
    const socket = net.connect((plain.address() as net.AddressInfo).port, '127.0.0.1');
    const c = new RpcConnection({
      stream: socket,
      role: 'client',
      secret: Buffer.from(SECRET),
      peer: 'x:1',
      logger: silentLogger(),
      randomBytes: (n) => Buffer.alloc(n),
    });
    expect(c.currentState).toBe('AUTHENTICATING');
    expect(() => c.send({ type: 'early' })).toThrow(/before authentication completed/);
    c.close();
    await expect(c.ready).rejects.toBeInstanceOf(RpcConnectionClosedError);
    expect(c.currentState).toBe('CLOSED');
  });
});
