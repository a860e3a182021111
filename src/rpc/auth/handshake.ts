import { FrameKind, type RawFrame } from '../codec/frame.js';
import { RpcAuthError, RpcProtocolError, RpcStateError } from '../errors.js';
import {
  AuthFailure,
  decodeAuthFailed,
  decodeChallenge,
  decodeHello,
  decodeProof,
  encodeAuthFailed,
  encodeAuthOk,
  encodeChallenge,
  encodeHello,
  encodeProof,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  type AuthFailureValue,
} from './handshake-frames.js';
import { clientProof, proofMatches, serverProof } from './proofs.js';

/**
 * The handshake as two pure state machines (no sockets, no timers): frames
 * in, frames out. The connection feeds them every frame until they report
 * `authenticated`; any other outcome closes the connection before a single
 * application frame is looked at.
 *
 *   client                                   server
 *   HELLO(magic, version, client nonce) -->
 *                                       <--  CHALLENGE(server nonce, server proof)
 *   verify server proof
 *   PROOF(client proof)                 -->
 *                                            verify client proof
 *                                       <--  AUTH_OK | AUTH_FAILED(reason)
 */

export type HandshakeStep =
  | { outcome: 'continue'; reply: Buffer }
  | { outcome: 'authenticated'; reply?: Buffer }
  | { outcome: 'refused'; reply?: Buffer; error: Error };

export type RandomBytes = (n: number) => Buffer;

type ClientState = 'START' | 'AWAIT_CHALLENGE' | 'AWAIT_VERDICT' | 'DONE';

export class ClientHandshake {
  private state: ClientState = 'START';
  private readonly clientNonce: Buffer;

  /** `server` names the peer in messages, e.g. "driver endpoint at host:7077". */
  constructor(
    private readonly secret: Buffer,
    randomBytes: RandomBytes,
    private readonly server: string,
  ) {
    this.clientNonce = randomBytes(NONCE_BYTES);
  }

  /** The first frame to send. */
  hello(): Buffer {
    this.expect('START');
    this.state = 'AWAIT_CHALLENGE';
    return encodeHello(this.clientNonce);
  }

  receive(frame: RawFrame): HandshakeStep {
    try {
      return this.step(frame);
    } catch (e) {
      this.state = 'DONE';
      return { outcome: 'refused', error: e as Error };
    }
  }

  private step(frame: RawFrame): HandshakeStep {
    if (frame.kind === FrameKind.AUTH_FAILED) {
      this.state = 'DONE';
      return { outcome: 'refused', error: refusedByServer(decodeAuthFailed(frame.payload), this.server) };
    }
    if (this.state === 'AWAIT_CHALLENGE' && frame.kind === FrameKind.CHALLENGE) {
      const { serverNonce, serverProof: received } = decodeChallenge(frame.payload);
      if (!proofMatches(received, serverProof(this.secret, this.clientNonce, serverNonce))) {
        this.state = 'DONE';
        return {
          outcome: 'refused',
          error: new RpcAuthError(
            `the ${this.server} could not prove it holds the application secret (its proof did not match): ` +
              'the two sides were started with different secrets (spark.authenticate.secret), or this address is ' +
              "not this application's endpoint",
            { context: { peer: this.server } },
          ),
        };
      }
      this.state = 'AWAIT_VERDICT';
      return {
        outcome: 'continue',
        reply: encodeProof(clientProof(this.secret, serverNonce, this.clientNonce)),
      };
    }
    if (this.state === 'AWAIT_VERDICT' && frame.kind === FrameKind.AUTH_OK && frame.payload.length === 0) {
      this.state = 'DONE';
      return { outcome: 'authenticated' };
    }
    throw new RpcProtocolError(
      `the ${this.server} sent a frame of kind 0x${frame.kind.toString(16)} during the handshake (state ${this.state})`,
    );
  }

  private expect(state: ClientState): void {
    if (this.state !== state)
      throw new RpcStateError(`client handshake is in state ${this.state}, expected ${state}`);
  }
}

type ServerState = 'AWAIT_HELLO' | 'AWAIT_PROOF' | 'DONE';

export class ServerHandshake {
  private state: ServerState = 'AWAIT_HELLO';
  private clientNonce: Buffer | undefined;
  private readonly serverNonce: Buffer;

  /** `client` names the peer in messages, e.g. "peer 10.0.0.5:51234". */
  constructor(
    private readonly secret: Buffer,
    randomBytes: RandomBytes,
    private readonly client: string,
  ) {
    this.serverNonce = randomBytes(NONCE_BYTES);
  }

  receive(frame: RawFrame): HandshakeStep {
    try {
      return this.step(frame);
    } catch (e) {
      return this.refuse(AuthFailure.PROTOCOL, e as Error);
    }
  }

  private step(frame: RawFrame): HandshakeStep {
    if (this.state === 'AWAIT_HELLO' && frame.kind === FrameKind.HELLO) {
      const hello = decodeHello(frame.payload);
      if (hello.version !== PROTOCOL_VERSION) {
        return this.refuse(
          AuthFailure.UNSUPPORTED_VERSION,
          new RpcAuthError(
            `${this.client} speaks tspark RPC version ${hello.version}, this process speaks ${PROTOCOL_VERSION}: ` +
              'run the same tspark version on the driver and the executors',
            { context: { peer: this.client } },
          ),
        );
      }
      this.clientNonce = Buffer.from(hello.clientNonce);
      this.state = 'AWAIT_PROOF';
      return {
        outcome: 'continue',
        reply: encodeChallenge(
          this.serverNonce,
          serverProof(this.secret, this.clientNonce, this.serverNonce),
        ),
      };
    }
    if (this.state === 'AWAIT_PROOF' && frame.kind === FrameKind.PROOF) {
      const received = decodeProof(frame.payload);
      if (!proofMatches(received, clientProof(this.secret, this.serverNonce, this.clientNonce!))) {
        return this.refuse(
          AuthFailure.BAD_PROOF,
          new RpcAuthError(
            `${this.client} failed authentication: its proof of the application secret did not match (it holds a ` +
              'different secret, or none); closed before any message was processed',
            { context: { peer: this.client } },
          ),
        );
      }
      this.state = 'DONE';
      return { outcome: 'authenticated', reply: encodeAuthOk() };
    }
    throw new RpcAuthError(
      `${this.client} sent a frame of kind 0x${frame.kind.toString(16)} before authenticating (state ${this.state}); ` +
        'closed before any message was processed',
      { context: { peer: this.client } },
    );
  }

  private refuse(reason: AuthFailureValue, error: Error): HandshakeStep {
    this.state = 'DONE';
    return { outcome: 'refused', reply: encodeAuthFailed(reason), error };
  }
}

function refusedByServer(reason: number, server: string): RpcAuthError {
  const why =
    reason === AuthFailure.BAD_PROOF
      ? 'our proof of the application secret did not match: this process was started with a different secret ' +
        'than the application (spark.authenticate.secret)'
      : reason === AuthFailure.UNSUPPORTED_VERSION
        ? 'it speaks another tspark RPC version: run the same tspark version on the driver and the executors'
        : `it found a protocol error in our handshake (reason ${reason})`;
  return new RpcAuthError(`the ${server} refused our authentication: ${why}`, { context: { peer: server } });
}
