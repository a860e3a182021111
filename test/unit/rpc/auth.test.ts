import { createHmac } from 'node:crypto';
import net from 'node:net';
import v8 from 'node:v8';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createRootLogger } from '../../../src/log.js';
import { RpcAuthError, RpcTimeoutError } from '../../../src/rpc/errors.js';
import { RpcClient } from '../../../src/rpc/rpc-client.js';
import type { RpcServer } from '../../../src/rpc/rpc-server.js';
import { connect, nextConnection, pause, rawSocket, SECRET, startServer } from './loopback.js';

// Frames built by hand from the layout in docs/internals/rpc.md, independent of the encoders.
const HELLO = 0x10;
const CHALLENGE = 0x11;
const PROOF = 0x12;
const AUTH_OK = 0x13;
const AUTH_FAILED = 0x14;

function frame(kind: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = kind;
  return Buffer.concat([head, payload]);
}

function requestFrame(requestId: number, message: unknown): Buffer {
  const header = v8.serialize(message);
  const ids = Buffer.alloc(8);
  ids.writeUInt32BE(requestId, 0);
  ids.writeUInt32BE(header.length, 4);
  return frame(0x02, Buffer.concat([ids, header]));
}

const hmac = (key: string, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', Buffer.from(key));
  for (const p of parts) h.update(p);
  return h.digest();
};

const clientNonce = Buffer.alloc(32, 0x5a);
const helloFrame = frame(HELLO, Buffer.concat([Buffer.from('TSRPC'), Buffer.of(1), clientNonce]));

let server: RpcServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server whose handler records every message that reaches it. */
async function guardedServer(options: Parameters<typeof startServer>[0] = {}) {
  const reached: unknown[] = [];
  const failures: Error[] = [];
  server = await startServer(options);
  server.handle('exec', (m) => {
    reached.push(m);
    return { type: 'done' };
  });
  server.on('authFailed', (e) => failures.push(e));
  return { server, reached, failures };
}

describe('authentication over TCP', () => {
  it('lets a client with the secret in, and both sides can talk', async () => {
    const { server: s, reached } = await guardedServer();
    const accepted = nextConnection(s);
    const client = await connect(s);
    const serverSide = await accepted;
    expect(client.currentState).toBe('OPEN');
    expect(serverSide.currentState).toBe('OPEN');
    expect((await client.request({ type: 'exec', n: 1 })).message).toEqual({ type: 'done' });
    expect(reached).toEqual([{ type: 'exec', n: 1 }]);
    client.handle('poke', () => ({ type: 'poked' }));
    expect((await serverSide.request({ type: 'poke' })).message).toEqual({ type: 'poked' });
    client.close();
  });

  it('clears the handshake timer once authenticated', async () => {
    const { server: s } = await guardedServer({ handshakeTimeoutMs: 60 });
    const client = await connect(s, { handshakeTimeoutMs: 60 });
    await pause(150);
    expect(client.isOpen).toBe(true);
    expect((await client.request({ type: 'exec' })).message).toEqual({ type: 'done' });
    client.close();
  });

  it('refuses a client with another secret: the client says why, the server reports it, no handler runs', async () => {
    const { server: s, reached, failures } = await guardedServer();
    const error = await connect(s, { secret: 'wrong-secret', peerName: 'driver endpoint' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RpcAuthError);
    expect((error as RpcAuthError).code).toBe('RPC_AUTH_FAILED');
    expect((error as Error).message).toContain(
      `driver endpoint at 127.0.0.1:${s.address.port} could not prove`,
    );
    expect((error as Error).message).toContain('spark.authenticate.secret');
    await pause(50);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/closed the connection during the handshake/);
    expect(reached).toEqual([]);
    expect(s.connections).toEqual([]);
  });

  it('refuses a server with another secret even when it answers', async () => {
    const { server: s } = await guardedServer({ secret: 'the-servers-secret' });
    await expect(connect(s)).rejects.toThrow(/could not prove it holds the application secret/);
  });

  it('closes a raw connection whose first frame is a well-formed request, before any handler runs', async () => {
    const { server: s, reached, failures } = await guardedServer();
    const raw = await rawSocket(s.address.port);
    raw.socket.write(
      Buffer.concat([requestFrame(1, { type: 'exec', cmd: 'rm -rf /' }), requestFrame(2, { type: 'exec' })]),
    );
    await raw.closed;
    expect(reached).toEqual([]);
    // the only bytes we got back: AUTH_FAILED (protocol)
    expect(raw.received()).toEqual(Buffer.from([0, 0, 0, 2, AUTH_FAILED, 3]));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(RpcAuthError);
    expect(failures[0]!.message).toMatch(
      /sent a frame of kind 0x2 before authenticating.*before any message was processed/,
    );
  });

  it('closes a raw connection that says HELLO and then sends a request instead of its proof', async () => {
    const { server: s, reached, failures } = await guardedServer();
    const raw = await rawSocket(s.address.port);
    raw.socket.write(helloFrame);
    await pause(30);
    raw.socket.write(requestFrame(1, { type: 'exec' }));
    await raw.closed;
    expect(reached).toEqual([]);
    expect(raw.received()[4]).toBe(CHALLENGE);
    expect(failures[0]!.message).toMatch(/before authenticating/);
  });

  it('refuses a forged proof and ignores the request sent right behind it', async () => {
    const { server: s, reached, failures } = await guardedServer();
    const raw = await rawSocket(s.address.port);
    raw.socket.write(helloFrame);
    while (raw.received().length < 69) await pause(5);
    const challenge = raw.received();
    expect(challenge.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 65, CHALLENGE]));
    const serverNonce = challenge.subarray(5, 37);
    // the server proved itself with the real secret
    expect(challenge.subarray(37, 69)).toEqual(hmac(SECRET, 'server', clientNonce, serverNonce));
    const forged = hmac('guessed', 'client', serverNonce, clientNonce);
    raw.socket.write(Buffer.concat([frame(PROOF, forged), requestFrame(1, { type: 'exec' })]));
    await raw.closed;
    expect(raw.received().subarray(69)).toEqual(Buffer.from([0, 0, 0, 2, AUTH_FAILED, 1]));
    expect(reached).toEqual([]);
    expect(failures[0]!.message).toMatch(
      /failed authentication: its proof of the application secret did not match/,
    );
  });

  it('accepts a hand-made handshake with the right proof (the documented protocol is complete)', async () => {
    const { server: s, reached } = await guardedServer();
    const raw = await rawSocket(s.address.port);
    raw.socket.write(helloFrame);
    while (raw.received().length < 69) await pause(5);
    const serverNonce = raw.received().subarray(5, 37);
    raw.socket.write(frame(PROOF, hmac(SECRET, 'client', serverNonce, clientNonce)));
    while (raw.received().length < 74) await pause(5);
    expect(raw.received().subarray(69, 74)).toEqual(Buffer.from([0, 0, 0, 1, AUTH_OK]));
    raw.socket.write(requestFrame(7, { type: 'exec', n: 2 }));
    while (raw.received().length <= 74) await pause(5);
    const response = raw.received().subarray(74);
    expect(response[4]).toBe(0x03);
    expect(response.readUInt32BE(5)).toBe(7);
    expect(v8.deserialize(response.subarray(13, 13 + response.readUInt32BE(9)))).toEqual({ type: 'done' });
    expect(reached).toEqual([{ type: 'exec', n: 2 }]);
    raw.socket.destroy();
  });

  it('hangs up on a peer announcing a huge frame before authenticating, without buffering it', async () => {
    const { server: s, reached, failures } = await guardedServer();
    const raw = await rawSocket(s.address.port);
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(0x7fffffff, 0);
    raw.socket.write(Buffer.concat([huge, Buffer.alloc(1000, 0x02)]));
    await raw.closed;
    expect(reached).toEqual([]);
    expect(failures[0]).toBeInstanceOf(RpcAuthError);
    expect(failures[0]!.message).toMatch(
      /announced a frame larger than any handshake frame before authenticating/,
    );
  });

  it('drops connections beyond the limit of handshakes in progress, unread', async () => {
    const { server: s } = await guardedServer({ maxPendingHandshakes: 2, handshakeTimeoutMs: 2000 });
    const silent = [await rawSocket(s.address.port), await rawSocket(s.address.port)];
    await pause(30);
    const third = await rawSocket(s.address.port);
    await third.closed;
    expect(third.received().length).toBe(0);
    for (const r of silent) expect(r.socket.destroyed).toBe(false);
    // a real client still gets in once a slot frees up
    silent[0]!.socket.destroy();
    await pause(30);
    const client = await connect(s);
    expect(client.isOpen).toBe(true);
    client.close();
    silent[1]!.socket.destroy();
  });

  it('times out a peer that never finishes the handshake, on the server and on the client', async () => {
    const { server: s, failures } = await guardedServer({ handshakeTimeoutMs: 100 });
    const raw = await rawSocket(s.address.port);
    await raw.closed;
    expect(failures[0]).toBeInstanceOf(RpcTimeoutError);
    expect(failures[0]!.message).toMatch(/did not finish within 100 ms/);

    const mute = net.createServer(() => undefined);
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const error = await RpcClient.connect('127.0.0.1', port, SECRET, {
        logger: createRootLogger({ level: 'silent' }),
        handshakeTimeoutMs: 150,
        peerName: 'driver endpoint',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcTimeoutError);
      expect((error as Error).message).toContain(
        `handshake with the driver endpoint at 127.0.0.1:${port} did not finish`,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      mute.close();
    }
  });

  it('tells the client clearly when the server refuses its proof', async () => {
    // a stand-in server that knows the secret, proves itself, then refuses the client
    const serverNonce = Buffer.alloc(32, 0x77);
    const fake = net.createServer((socket) => {
      let got = Buffer.alloc(0);
      socket.on('data', (c: Buffer) => {
        got = Buffer.concat([got, c]);
        if (got.length === 43) {
          const nonce = got.subarray(11, 43);
          socket.write(
            frame(CHALLENGE, Buffer.concat([serverNonce, hmac(SECRET, 'server', nonce, serverNonce)])),
          );
        } else if (got.length === 43 + 37) {
          socket.end(frame(AUTH_FAILED, Buffer.of(1)));
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const port = (fake.address() as net.AddressInfo).port;
    try {
      const error = await RpcClient.connect('127.0.0.1', port, SECRET, {
        logger: createRootLogger({ level: 'silent' }),
        peerName: 'driver endpoint',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcAuthError);
      expect((error as Error).message).toBe(
        `the driver endpoint at 127.0.0.1:${port} refused our authentication: our proof of the application secret did ` +
          'not match: this process was started with a different secret than the application (spark.authenticate.secret)',
      );
    } finally {
      fake.close();
    }
  });

  it('never writes the secret to the log, at debug level, in success or failure', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createRootLogger({ level: 'debug' }, sink);
    server = await startServer({ logger });
    server.handle('exec', () => ({ type: 'done' }));
    const ok = await connect(server, { logger });
    await ok.request({ type: 'exec' });
    ok.close();
    await connect(server, { logger, secret: 'another-secret-value' }).catch(() => undefined);
    const raw = await rawSocket(server.address.port);
    raw.socket.write(requestFrame(1, { type: 'exec' }));
    await raw.closed;
    await pause(20);
    const log = lines.join('');
    expect(log).toContain('authentication failed');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('another-secret-value');
  });
});
