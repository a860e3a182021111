import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClientHandshake, ServerHandshake, type HandshakeStep } from '../../../src/rpc/auth/handshake.js';
import { FrameKind, type RawFrame } from '../../../src/rpc/codec/frame.js';
import { RpcAuthError } from '../../../src/rpc/errors.js';

const SECRET = Buffer.from('application-secret-1');
const CLIENT_NONCE = Buffer.alloc(32, 0x11);
const SERVER_NONCE = Buffer.alloc(32, 0x22);
const fixed = (b: Buffer) => (n: number) => {
  expect(n).toBe(32);
  return Buffer.from(b);
};

/** Splits one encoded frame (length | kind | payload) into a RawFrame, checking the length field. */
function parse(frame: Buffer): RawFrame {
  expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  return { kind: frame[4]!, payload: frame.subarray(5) };
}

function reply(step: HandshakeStep): Buffer {
  if (step.outcome === 'refused') throw step.error;
  expect(step.reply).toBeDefined();
  return step.reply!;
}

const hmac = (key: Buffer, ...parts: (string | Buffer)[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

describe('handshake', () => {
  it('puts the documented bytes on the wire and authenticates both sides', () => {
    const client = new ClientHandshake(SECRET, fixed(CLIENT_NONCE), 'driver endpoint at h:1');
    const server = new ServerHandshake(SECRET, fixed(SERVER_NONCE), 'peer at c:2');

    const hello = client.hello();
    expect(hello).toEqual(
      Buffer.concat([
        Buffer.from([0, 0, 0, 39, FrameKind.HELLO]),
        Buffer.from('TSRPC'),
        Buffer.of(1),
        CLIENT_NONCE,
      ]),
    );

    const challenge = reply(server.receive(parse(hello)));
    const expectedServerProof = hmac(SECRET, 'server', CLIENT_NONCE, SERVER_NONCE);
    expect(challenge).toEqual(
      Buffer.concat([Buffer.from([0, 0, 0, 65, FrameKind.CHALLENGE]), SERVER_NONCE, expectedServerProof]),
    );

    const proof = reply(client.receive(parse(challenge)));
    const expectedClientProof = hmac(SECRET, 'client', SERVER_NONCE, CLIENT_NONCE);
    expect(proof).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 33, FrameKind.PROOF]), expectedClientProof]));

    const verdict = server.receive(parse(proof));
    expect(verdict.outcome).toBe('authenticated');
    expect(verdict.outcome === 'authenticated' && verdict.reply).toEqual(
      Buffer.from([0, 0, 0, 1, FrameKind.AUTH_OK]),
    );
    expect(
      client.receive(parse(verdict.outcome === 'authenticated' ? verdict.reply! : Buffer.alloc(0))),
    ).toEqual({
      outcome: 'authenticated',
    });
  });

  it('never puts the secret on the wire', () => {
    const client = new ClientHandshake(SECRET, fixed(CLIENT_NONCE), 's');
    const server = new ServerHandshake(SECRET, fixed(SERVER_NONCE), 'c');
    const hello = client.hello();
    const challenge = reply(server.receive(parse(hello)));
    const proof = reply(client.receive(parse(challenge)));
    for (const bytes of [hello, challenge, proof]) expect(bytes.includes(SECRET)).toBe(false);
  });

  it('client refuses a server that does not hold the secret', () => {
    const client = new ClientHandshake(SECRET, fixed(CLIENT_NONCE), 'driver endpoint at h:1');
    const impostor = new ServerHandshake(Buffer.from('other'), fixed(SERVER_NONCE), 'c');
    const step = client.receive(parse(reply(impostor.receive(parse(client.hello())))));
    expect(step.outcome).toBe('refused');
    const error = (step as { error: Error }).error;
    expect(error).toBeInstanceOf(RpcAuthError);
    expect((error as RpcAuthError).code).toBe('RPC_AUTH_FAILED');
    expect(error.message).toMatch(/driver endpoint at h:1 could not prove it holds the application secret/);
    expect(step).not.toHaveProperty('reply', expect.anything());
  });

  it('server refuses a client proof made with another secret and says so in AUTH_FAILED', () => {
    const server = new ServerHandshake(SECRET, fixed(SERVER_NONCE), 'peer at c:2');
    reply(server.receive(parse(new ClientHandshake(SECRET, fixed(CLIENT_NONCE), 's').hello())));
    const forged = hmac(Buffer.from('guess'), 'client', SERVER_NONCE, CLIENT_NONCE);
    const step = server.receive({ kind: FrameKind.PROOF, payload: forged });
    expect(step.outcome).toBe('refused');
    const refused = step as { reply: Buffer; error: Error };
    expect(refused.error.message).toMatch(/peer at c:2 failed authentication/);
    expect(refused.reply).toEqual(Buffer.from([0, 0, 0, 2, FrameKind.AUTH_FAILED, 1]));

    // the client turns that verdict into a clear error of its own
    const client = new ClientHandshake(SECRET, fixed(CLIENT_NONCE), 'driver endpoint at h:1');
    client.hello();
    const verdict = client.receive(parse(refused.reply));
    expect(verdict.outcome).toBe('refused');
    expect((verdict as { error: Error }).error.message).toMatch(
      /driver endpoint at h:1 refused our authentication: .*different secret/,
    );
  });

  it('server refuses the server proof reflected back as a client proof', () => {
    const server = new ServerHandshake(SECRET, fixed(SERVER_NONCE), 'c');
    const challenge = parse(
      reply(server.receive(parse(new ClientHandshake(SECRET, fixed(CLIENT_NONCE), 's').hello()))),
    );
    const reflected = challenge.payload.subarray(32);
    expect(server.receive({ kind: FrameKind.PROOF, payload: reflected }).outcome).toBe('refused');
  });

  it('server refuses anything but HELLO first, a bad magic, another version, and a proof before HELLO', () => {
    const bad: RawFrame[] = [
      { kind: FrameKind.ONE_WAY, payload: Buffer.alloc(20) },
      { kind: FrameKind.REQUEST, payload: Buffer.alloc(20) },
      { kind: FrameKind.PROOF, payload: Buffer.alloc(32) },
      { kind: FrameKind.HELLO, payload: Buffer.concat([Buffer.from('HTTP/'), Buffer.of(1), CLIENT_NONCE]) },
      {
        kind: FrameKind.HELLO,
        payload: Buffer.concat([Buffer.from('TSRPC'), Buffer.of(1), Buffer.alloc(5)]),
      },
    ];
    for (const frame of bad) {
      const step = new ServerHandshake(SECRET, fixed(SERVER_NONCE), 'c').receive(frame);
      expect(step.outcome).toBe('refused');
      expect((step as { reply: Buffer }).reply.subarray(0, 5)).toEqual(
        Buffer.from([0, 0, 0, 2, FrameKind.AUTH_FAILED]),
      );
    }
    const first = new ServerHandshake(SECRET, fixed(SERVER_NONCE), 'peer at c:2').receive(bad[0]!);
    expect((first as { error: Error }).error.message).toMatch(
      /sent a frame of kind 0x1 before authenticating/,
    );
    const version = new ServerHandshake(SECRET, fixed(SERVER_NONCE), 'c').receive({
      kind: FrameKind.HELLO,
      payload: Buffer.concat([Buffer.from('TSRPC'), Buffer.of(2), CLIENT_NONCE]),
    });
    expect((version as { error: Error }).error.message).toMatch(/version 2, this process speaks 1/);
    expect((version as { reply: Buffer }).reply[5]).toBe(2);
  });
});
