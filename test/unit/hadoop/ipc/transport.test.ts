import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log.js';
import {
  IpcConnection,
  type IpcConnectionOptions,
} from '../../../../src/hadoop/ipc/transport/ipc-connection.js';
import { IpcClient } from '../../../../src/hadoop/ipc/transport/ipc-client.js';
import { ClientIdentity } from '../../../../src/hadoop/ipc/transport/client-identity.js';
import {
  IpcCallTimeoutError,
  IpcConnectError,
  IpcConnectionClosedError,
  RemoteError,
  SaslAuthError,
} from '../../../../src/hadoop/ipc/errors.js';
import { RemoteErrorCode } from '../../../../src/hadoop/ipc/remote-errors.js';
import { APPLICATION_MASTER_PROTOCOL } from '../../../../src/hadoop/ipc/protocols/application-master-protocol.js';
import {
  duplexPair,
  FakeIpcServer,
  VECTOR,
  vectorRandomBytes,
  type FakeServerOptions,
} from './fake-server.js';

const AMP = APPLICATION_MASTER_PROTOCOL;
const token = {
  identifier: VECTOR.identifier,
  password: VECTOR.password,
  kind: 'YARN_AM_RM_TOKEN',
  service: '',
};
const fixedClientId = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
const open: IpcConnection[] = [];

afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function setup(serverOptions: FakeServerOptions = {}, overrides: Partial<IpcConnectionOptions> = {}) {
  const servers: FakeIpcServer[] = [];
  const identity = ClientIdentity.create(() => fixedClientId);
  const options: IpcConnectionOptions = {
    host: 'rm.example',
    port: 8030,
    protocol: AMP,
    auth: { kind: 'token', token },
    clientId: identity.clientId,
    callIds: identity,
    randomBytes: vectorRandomBytes,
    logger: silentLogger(),
    peerName: 'ResourceManager scheduler',
    pingIntervalMs: 0,
    socketFactory: () => {
      const [client, server] = duplexPair();
      servers.push(new FakeIpcServer(server, serverOptions));
      return client;
    },
    ...overrides,
  };
  return { servers, options, identity };
}

async function connect(serverOptions: FakeServerOptions = {}, overrides: Partial<IpcConnectionOptions> = {}) {
  const s = setup(serverOptions, overrides);
  const connection = await IpcConnection.open(s.options);
  open.push(connection);
  return { ...s, connection, server: s.servers[0]! };
}

const bytes = (...b: number[]) => Uint8Array.from(b);
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('IpcConnection', () => {
  it('sends preamble, NEGOTIATE, INITIATE and an empty-user connection context, then calls', async () => {
    const { connection, server, identity } = await connect({
      onCall: (call, s) => s.respond(call, bytes(0x08, 0x01)),
    });
    expect(connection.currentState).toBe('READY');
    expect(connection.authenticatedWith).toBe('TOKEN');
    expect(server.preamble).toEqual({ version: 9, serviceClass: 0, authProtocol: -33 });
    expect(server.sasl.map((m) => m.state)).toEqual(['NEGOTIATE', 'INITIATE']);
    expect(server.context).toEqual({
      protocol: AMP.name,
      effectiveUser: undefined,
      realUser: undefined,
      hasUserInfo: true,
    });

    const reply = await connection.call(AMP, 'finishApplicationMaster', bytes(0x18, 0x01));
    expect([...reply]).toEqual([0x08, 0x01]);
    expect(server.calls[0]).toMatchObject({
      callId: 0,
      retryCount: 0,
      methodName: 'finishApplicationMaster',
      protocolName: AMP.name,
    });
    expect([...server.calls[0]!.clientId]).toEqual([...identity.clientId]);
    expect([...server.calls[0]!.request]).toEqual([0x18, 0x01]);
  });

  it('keeps many calls in flight and matches out-of-order responses by call id', async () => {
    const held: Parameters<NonNullable<FakeServerOptions['onCall']>>[0][] = [];
    const { connection, server } = await connect({ onCall: (call) => held.push(call) });
    const calls = [1, 2, 3, 4, 5].map((n) => connection.call(AMP, 'allocate', bytes(0x20, n)));
    await tick();
    expect(held.map((c) => c.callId)).toEqual([0, 1, 2, 3, 4]);
    for (const call of [...held].reverse()) server.respond(call, bytes(0x10, call.request[1]!));
    const replies = await Promise.all(calls);
    expect(replies.map((r) => r[1])).toEqual([1, 2, 3, 4, 5]);
    expect(connection.pendingCalls).toBe(0);
  });

  it('reassembles responses the server writes one byte at a time', async () => {
    const { connection } = await connect({
      trickle: true,
      onCall: (call, s) => s.respond(call, bytes(1, 2, 3)),
    });
    expect([...(await connection.call(AMP, 'allocate', bytes()))]).toEqual([1, 2, 3]);
  });

  it('turns an ERROR response into a typed RemoteError and keeps the connection usable', async () => {
    let first = true;
    const { connection } = await connect({
      onCall: (call, s) => {
        if (first) {
          first = false;
          s.respondError(call, {
            exceptionClassName: 'org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException',
            errorMsg:
              'Application Master is already registered : application_1700000000000_0013\n\tat X.y(Z.java:1)',
          });
        } else s.respond(call, bytes(9));
      },
    });
    const error = await connection.call(AMP, 'registerApplicationMaster', bytes()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      code: RemoteErrorCode.INVALID_AM_REQUEST,
      javaClass: 'org.apache.hadoop.yarn.exceptions.InvalidApplicationMasterRequestException',
      remoteMessage: 'Application Master is already registered : application_1700000000000_0013',
      retriable: false,
      fatal: false,
    });
    expect((error as RemoteError).context).toMatchObject({
      method: 'registerApplicationMaster',
      host: 'rm.example',
    });
    expect(connection.isOpen).toBe(true);
    expect([...(await connection.call(AMP, 'allocate', bytes()))]).toEqual([9]);
  });

  it('fails every pending call when the server sends FATAL, and refuses later calls', async () => {
    const held: Parameters<NonNullable<FakeServerOptions['onCall']>>[0][] = [];
    const { connection, server } = await connect({ onCall: (call) => held.push(call) });
    const calls = [connection.call(AMP, 'allocate', bytes()), connection.call(AMP, 'allocate', bytes())];
    await tick();
    server.write(
      (await import('../../../../src/hadoop/ipc/codec/response-frame.js')).encodeResponseFrame({
        callId: -1,
        status: 'FATAL',
        exceptionClassName: 'org.apache.hadoop.ipc.RpcServerException',
        errorMsg: 'Connection context not established',
        errorDetail: 'FATAL_INVALID_RPC_HEADER',
      }),
    );
    const results = await Promise.allSettled(calls);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        fatal: true,
        javaClass: 'org.apache.hadoop.ipc.RpcServerException',
      });
    }
    expect(connection.currentState).toBe('CLOSED');
    await expect(connection.call(AMP, 'allocate', bytes())).rejects.toMatchObject({ fatal: true });
  });

  it('fails every pending call with a retriable error when the socket dies', async () => {
    const { connection, server } = await connect();
    let closedWith: Error | undefined;
    connection.onClose((e) => (closedWith = e));
    const calls = [
      connection.call(AMP, 'allocate', bytes()),
      connection.call(AMP, 'getContainerStatuses', bytes()),
    ];
    await tick();
    server.socket.destroy();
    const results = await Promise.allSettled(calls);
    for (const r of results) {
      const reason = (r as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(IpcConnectionClosedError);
      expect(reason.retriable).toBe(true);
    }
    expect(closedWith).toBeInstanceOf(IpcConnectionClosedError);
  });

  it('times out one call without disturbing the others; a late response is ignored', async () => {
    const held: Parameters<NonNullable<FakeServerOptions['onCall']>>[0][] = [];
    const { connection, server } = await connect({ onCall: (call) => held.push(call) });
    const slow = connection.call(AMP, 'allocate', bytes(1), { timeoutMs: 20 });
    const fast = connection.call(AMP, 'allocate', bytes(2), { timeoutMs: 5_000 });
    await expect(slow).rejects.toBeInstanceOf(IpcCallTimeoutError);
    await expect(slow).rejects.toMatchObject({ retriable: true, context: { method: 'allocate' } });
    server.respond(held[0]!, bytes(7)); // late
    server.respond(held[1]!, bytes(8));
    expect([...(await fast)]).toEqual([8]);
    expect(connection.isOpen).toBe(true);
  });

  it('pings while a call waits on a silent server, and not when idle', async () => {
    const held: Parameters<NonNullable<FakeServerOptions['onCall']>>[0][] = [];
    const { connection, server } = await connect(
      { onCall: (call) => held.push(call) },
      { pingIntervalMs: 30 },
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(server.pings).toBe(0);
    const call = connection.call(AMP, 'allocate', bytes());
    await new Promise((r) => setTimeout(r, 150));
    expect(server.pings).toBeGreaterThanOrEqual(2);
    server.respond(held[0]!, bytes());
    await call;
  });

  it('sends the retry count it is given', async () => {
    const { connection, server } = await connect({ onCall: (call, s) => s.respond(call, bytes()) });
    await connection.call(AMP, 'allocate', bytes(), { retryCount: 2 });
    expect(server.calls[0]!.retryCount).toBe(2);
  });

  it("rejects a wrong token with the server's InvalidToken error", async () => {
    const { options } = setup({ rejectToken: true });
    const error = await IpcConnection.open(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: RemoteErrorCode.INVALID_TOKEN, fatal: true, retriable: false });
  });

  it('aborts when the server cannot prove it knows the token (bad rspauth)', async () => {
    const { options } = setup({ badRspauth: true });
    await expect(IpcConnection.open(options)).rejects.toBeInstanceOf(SaslAuthError);
  });

  it('uses no SASL and names the user in the context for SIMPLE auth', async () => {
    const { connection, server } = await connect({}, { auth: { kind: 'simple', user: 'alice' } });
    await tick();
    expect(connection.authenticatedWith).toBe('SIMPLE');
    expect(server.preamble?.authProtocol).toBe(0);
    expect(server.sasl).toEqual([]);
    expect(server.context).toMatchObject({ effectiveUser: 'alice' });
  });

  it('times out a connect that never completes', async () => {
    const { options } = setup(
      {},
      {
        connectTimeoutMs: 30,
        socketFactory: () =>
          Object.assign(
            new Duplex({
              read() {},
              write(_c, _e, cb) {
                cb();
              },
            }),
            { connecting: true },
          ),
      },
    );
    const error = await IpcConnection.open(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcConnectError);
    expect((error as IpcConnectError).retriable).toBe(true);
    expect((error as Error).message).toMatch(/ResourceManager scheduler at rm\.example:8030.*30 ms/);
  });

  it('reports a refused connection clearly (real socket to a closed loopback port)', async () => {
    const net = await import('node:net');
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { options } = setup({}, { host: '127.0.0.1', port, socketFactory: undefined });
    const error = await IpcConnection.open(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcConnectError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('IpcClient', () => {
  it('opens lazily, shares one connection, and reconnects with the latest token after the connection dies', async () => {
    const { options, servers } = setup({ onCall: (call, s) => s.respond(call, bytes(call.callId)) });
    let tokensAsked = 0;
    const client = new IpcClient({
      ...options,
      auth: () => {
        tokensAsked++;
        return { kind: 'token', token };
      },
    });
    expect(servers).toHaveLength(0);
    const [a, b] = await Promise.all([
      client.call(AMP, 'allocate', bytes()),
      client.call(AMP, 'allocate', bytes()),
    ]);
    expect([a[0], b[0]].sort()).toEqual([0, 1]);
    expect(servers).toHaveLength(1);
    servers[0]!.socket.destroy();
    await tick();
    const c = await client.call(AMP, 'allocate', bytes());
    expect(c[0]).toBe(2); // call ids continue across connections
    expect(servers).toHaveLength(2);
    expect(tokensAsked).toBe(2);
    client.close();
    await expect(client.call(AMP, 'allocate', bytes())).rejects.toMatchObject({ retriable: false });
  });
});

describe('ClientIdentity', () => {
  it('makes a version-4 UUID client id and wraps call ids at 2^31', () => {
    const identity = ClientIdentity.create(() => new Uint8Array(16).fill(0xff));
    expect(identity.clientId[6]).toBe(0x4f);
    expect(identity.clientId[8]).toBe(0xbf);
    expect([identity.next(), identity.next()]).toEqual([0, 1]);
    (identity as unknown as { counter: number }).counter = 0x7fffffff;
    expect([identity.next(), identity.next()]).toEqual([0x7fffffff, 0]);
  });
});

describe('IpcClient connection management', () => {
  it('closes an idle connection after maxIdleMs and reconnects on the next call', async () => {
    const { options, servers } = setup({ onCall: (call, s) => s.respond(call, bytes(1)) });
    const client = new IpcClient({ ...options, maxIdleMs: 30, auth: () => ({ kind: 'token', token }) });
    await client.call(AMP, 'getContainerStatuses', bytes());
    expect(client.connected).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(client.connected).toBe(false);
    expect(servers[0]!.socket.destroyed).toBe(true);
    await client.call(AMP, 'getContainerStatuses', bytes());
    expect(servers).toHaveLength(2);
    client.close();
  });

  it('does not close a connection that still has a call in flight', async () => {
    const held: Parameters<NonNullable<FakeServerOptions['onCall']>>[0][] = [];
    const { options, servers } = setup({ onCall: (call) => held.push(call) });
    const client = new IpcClient({ ...options, maxIdleMs: 20, auth: () => ({ kind: 'token', token }) });
    const slow = client.call(AMP, 'allocate', bytes());
    await new Promise((r) => setTimeout(r, 60));
    expect(client.connected).toBe(true);
    servers[0]!.respond(held[0]!, bytes(5));
    expect([...(await slow)]).toEqual([5]);
    client.close();
  });

  it('fails every waiting caller when opening fails, and tries again on the next call', async () => {
    let attempt = 0;
    const { options, servers } = setup({ onCall: (call, s) => s.respond(call, bytes(2)) });
    const client = new IpcClient({
      ...options,
      auth: () => {
        attempt++;
        // First connection: a password the server rejects.
        return { kind: 'token', token: attempt === 1 ? { ...token, password: Buffer.alloc(20) } : token };
      },
    });
    const results = await Promise.allSettled([
      client.call(AMP, 'allocate', bytes()),
      client.call(AMP, 'allocate', bytes()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({
      code: RemoteErrorCode.INVALID_TOKEN,
    });
    expect(servers).toHaveLength(1);
    expect([...(await client.call(AMP, 'allocate', bytes()))]).toEqual([2]);
    expect(servers).toHaveLength(2);
    client.close();
  });
});

describe('IpcConnection with a SASL security layer', () => {
  for (const qop of ['auth-int', 'auth-conf'] as const) {
    it(`${qop}: wraps the context, calls and pings, and unwraps responses`, async () => {
      const held: Parameters<NonNullable<FakeServerOptions['onCall']>>[0][] = [];
      const { connection, server } = await connect(
        { qop, onCall: (call) => held.push(call) },
        { pingIntervalMs: 20 },
      );
      expect(connection.qop).toBe(qop);
      const big = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff); // larger than one wrap (maxbuf 65536)
      const calls = [
        connection.call(AMP, 'allocate', bytes(1, 2, 3)),
        connection.call(AMP, 'startContainers', big),
      ];
      await new Promise((r) => setTimeout(r, 80));
      expect(server.context?.protocol).toBe(AMP.name);
      expect(held.map((c) => c.methodName)).toEqual(['allocate', 'startContainers']);
      expect(held[1]!.request).toEqual(big);
      expect(server.pings).toBeGreaterThan(0);
      expect(server.wrappedFrames).toBeGreaterThanOrEqual(4);
      server.respond(held[1]!, bytes(9, 9));
      server.respond(held[0]!, bytes(7));
      const replies = await Promise.all(calls);
      expect(replies.map((r) => [...r])).toEqual([[7], [9, 9]]);
    });
  }

  it('can be limited to auth, refusing a server that requires integrity', async () => {
    const { options } = setup(
      { qop: 'auth-int' },
      { auth: { kind: 'token', token, qopPreference: ['auth'] } },
    );
    await expect(IpcConnection.open(options)).rejects.toThrow(/hadoop.rpc.protection/);
  });
});

describe('IpcConnection handshake edge cases', () => {
  it('follows a server that switches to SIMPLE only when allowed, asserting the given user', async () => {
    const allowed = await connect(
      { simpleOnly: true },
      { auth: { kind: 'token', token, allowSimpleFallback: true, simpleUser: 'alice' } },
    );
    await tick();
    expect(allowed.connection.authenticatedWith).toBe('SIMPLE');
    expect(allowed.server.context).toMatchObject({ effectiveUser: 'alice' });
    const { options } = setup({ simpleOnly: true });
    await expect(IpcConnection.open(options)).rejects.toThrow(/requires token authentication/);
  });

  it('reports a connection dropped during SASL as closed (retriable)', async () => {
    const { options } = setup({ hangUpOnNegotiate: true });
    const error = await IpcConnection.open(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcConnectionClosedError);
    expect((error as IpcConnectionClosedError).retriable).toBe(true);
  });
});
