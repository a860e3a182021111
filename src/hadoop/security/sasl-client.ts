import { SaslAuthError } from '../ipc/errors.js';
import type { SaslAuth, SaslMessage } from '../ipc/codec/sasl-message.js';
import {
  encodeDigestResponse,
  expectedRspauth,
  makeCnonce,
  parseDigestChallenge,
  parseRspauth,
  type DigestInputs,
} from './digest-md5.js';
import { createDigestSecurityLayer, type SaslSecurityLayer } from './digest-security-layer.js';
import type { HadoopToken } from './token.js';

/**
 * The client side of Hadoop's SASL negotiation as a small state machine
 * with no I/O: the transport feeds it the server's RpcSaslProto messages and
 * writes whatever it returns.
 *
 *   start()            -> NEGOTIATE
 *   server NEGOTIATE   -> INITIATE (TOKEN/DIGEST-MD5 response, or SIMPLE: done)
 *   server CHALLENGE   -> RESPONSE            (only if no challenge came with NEGOTIATE)
 *   server SUCCESS     -> done, after rspauth is verified (or SIMPLE switch);
 *                         for qop auth-int/auth-conf the outcome carries the
 *                         security layer that wraps everything afterwards
 *
 * Hadoop's TOKEN servers use protocol "" and server id "default", so the
 * digest-uri is "/default"; username and password are the Base64 of the
 * token's identifier and password bytes (SaslRpcServer.encodeIdentifier).
 */

export type SaslQop = 'auth' | 'auth-int' | 'auth-conf';

export type SaslOutcome =
  | {
      method: 'TOKEN';
      qop: SaslQop;
      /** Present for auth-int and auth-conf: everything after SUCCESS is wrapped with it. */
      securityLayer?: SaslSecurityLayer;
    }
  | { method: 'SIMPLE' };

/** Weakest first: "auth" needs no security layer, and servers that offer several accept it. */
export const DEFAULT_QOP_PREFERENCE: readonly SaslQop[] = ['auth', 'auth-int', 'auth-conf'];

export interface SaslStep {
  /** The message to send, if any. */
  send?: SaslMessage;
  /** Set once negotiation is finished. */
  done?: SaslOutcome;
}

export interface SaslClientOptions {
  /** Token for TOKEN/DIGEST-MD5; absent when only SIMPLE is acceptable. */
  token?: HadoopToken | undefined;
  /** Accept a server that offers (or switches to) SIMPLE. */
  allowSimple: boolean;
  /** Randomness for the client nonce (crypto.randomBytes in production). */
  randomBytes: (n: number) => Uint8Array;
  /** Used in error messages, e.g. "ResourceManager 127.0.0.1:8030". */
  peer: string;
  /**
   * Qualities of protection we accept, in order of preference (the first one
   * the server offers wins). Hadoop's client derives this from its own
   * hadoop.rpc.protection; the default takes whatever the server offers,
   * weakest first.
   */
  qopPreference?: readonly SaslQop[];
}

type State = 'INITIAL' | 'NEGOTIATE_SENT' | 'INITIATE_SENT' | 'RESPONSE_SENT' | 'DONE' | 'FAILED';

export class SaslRpcClient {
  private state: State = 'INITIAL';
  private digest: DigestInputs | undefined;
  private maxbuf: number | undefined;
  private selected: SaslAuth | undefined;

  constructor(private readonly options: SaslClientOptions) {}

  get currentState(): State {
    return this.state;
  }

  start(): SaslMessage {
    this.expect('INITIAL', 'start');
    this.state = 'NEGOTIATE_SENT';
    return { state: 'NEGOTIATE' };
  }

  /** Handles one server message; throws SaslAuthError on any violation. */
  receive(message: SaslMessage): SaslStep {
    try {
      return this.handle(message);
    } catch (e) {
      this.state = 'FAILED';
      throw e;
    }
  }

  private handle(message: SaslMessage): SaslStep {
    switch (message.state) {
      case 'NEGOTIATE':
        this.expect('NEGOTIATE_SENT', 'NEGOTIATE');
        return this.onNegotiate(message.auths ?? []);
      case 'CHALLENGE': {
        this.expect('INITIATE_SENT', 'CHALLENGE');
        if (!this.selected || !message.token) {
          throw this.fail('the server sent a CHALLENGE without a token');
        }
        const response = this.respondToChallenge(message.token);
        this.state = 'RESPONSE_SENT';
        return { send: { state: 'RESPONSE', token: response } };
      }
      case 'SUCCESS': {
        if (this.state === 'NEGOTIATE_SENT') {
          // A SIMPLE-only server answers NEGOTIATE with SUCCESS.
          return this.switchToSimple('the server switched the connection to SIMPLE authentication');
        }
        if (this.state !== 'INITIATE_SENT' && this.state !== 'RESPONSE_SENT') this.unexpected('SUCCESS');
        if (!this.digest) throw this.fail('the server reported SUCCESS before any challenge was answered');
        this.verifyRspauth(message.token);
        this.state = 'DONE';
        const digest = this.digest;
        if (digest.qop === 'auth') return { done: { method: 'TOKEN', qop: 'auth' } };
        const securityLayer = createDigestSecurityLayer({ ...digest, qop: digest.qop }, this.maxbuf);
        return { done: { method: 'TOKEN', qop: digest.qop, securityLayer } };
      }
      default:
        this.unexpected(message.state);
    }
  }

  private onNegotiate(auths: SaslAuth[]): SaslStep {
    const offered = auths.map((a) => `${a.method}/${a.mechanism || '-'}`).join(', ') || 'nothing';
    for (const auth of auths) {
      if (auth.method === 'TOKEN' && this.options.token) {
        if (auth.mechanism !== 'DIGEST-MD5') {
          throw this.fail(
            `the server wants TOKEN authentication with ${auth.mechanism}; tspark supports DIGEST-MD5 only ` +
              "(the default of Hadoop's token SASL mechanism setting)",
          );
        }
        // Echo the auth exactly as offered minus the challenge: the server compares presence too.
        const { challenge, ...echo } = auth;
        this.selected = echo;
        if (challenge && challenge.length > 0) {
          const token = this.respondToChallenge(challenge);
          this.state = 'INITIATE_SENT';
          return { send: { state: 'INITIATE', token, auths: [echo] } };
        }
        // No piggy-backed challenge: DIGEST-MD5 has no initial response.
        this.state = 'INITIATE_SENT';
        return { send: { state: 'INITIATE', token: new Uint8Array(0), auths: [echo] } };
      }
      if (auth.method === 'SIMPLE' && this.options.allowSimple) {
        const step = this.switchToSimple('SIMPLE offered');
        return { send: { state: 'INITIATE', auths: [auth] }, done: step.done! };
      }
    }
    if (!this.options.token) {
      throw this.fail(
        `the server offers ${offered} and we have no token for it. ` +
          'An ApplicationMaster needs its AMRMToken (HADOOP_TOKEN_FILE_LOCATION) for the ResourceManager and an NMToken for each NodeManager',
      );
    }
    throw this.fail(
      `no usable authentication method: the server offers ${offered}; tspark supports TOKEN/DIGEST-MD5${this.options.allowSimple ? ' and SIMPLE' : ''}`,
    );
  }

  private respondToChallenge(challengeBytes: Uint8Array): Uint8Array {
    const token = this.options.token;
    const auth = this.selected;
    if (!token || !auth) throw this.fail('internal: no token selected for the challenge');
    let challenge;
    try {
      challenge = parseDigestChallenge(challengeBytes);
    } catch (e) {
      throw this.fail(`cannot read the DIGEST-MD5 challenge: ${(e as Error).message}`, e);
    }
    const qop = (this.options.qopPreference ?? DEFAULT_QOP_PREFERENCE).find(
      (q) => challenge.qop.includes(q) && (q !== 'auth-conf' || challenge.cipher.includes('3des')),
    );
    if (!qop) {
      throw this.fail(
        `the server offers SASL quality of protection ${challenge.qop.join('/')}` +
          (challenge.cipher.length > 0 ? ` with ciphers ${challenge.cipher.join('/')}` : '') +
          `, and this client accepts ${(this.options.qopPreference ?? DEFAULT_QOP_PREFERENCE).join('/')}` +
          ' (auth-conf only with 3des); align hadoop.rpc.protection on the cluster with the client',
      );
    }
    this.maxbuf = challenge.maxbuf;
    this.digest = {
      username: Buffer.from(token.identifier).toString('base64'),
      password: Buffer.from(token.password).toString('base64'),
      realm: challenge.realm ?? auth.serverId ?? '',
      nonce: challenge.nonce,
      cnonce: makeCnonce(this.options.randomBytes),
      nc: '00000001',
      qop,
      digestUri: `${auth.protocol ?? ''}/${auth.serverId ?? ''}`,
      cipher: qop === 'auth-conf' ? '3des' : undefined,
    };
    return Buffer.from(encodeDigestResponse(this.digest), 'utf8');
  }

  private verifyRspauth(token: Uint8Array | undefined): void {
    if (!token)
      throw this.fail('the server reported SUCCESS without rspauth; it did not prove it knows the token');
    let got: string | undefined;
    try {
      got = parseRspauth(token);
    } catch (e) {
      throw this.fail(`cannot read the server's final DIGEST-MD5 message: ${(e as Error).message}`, e);
    }
    if (got === undefined || got.toLowerCase() !== expectedRspauth(this.digest!)) {
      throw this.fail(
        "the server's rspauth does not match: it does not know the token password (wrong server?)",
      );
    }
  }

  private switchToSimple(reason: string): SaslStep {
    if (!this.options.allowSimple) {
      throw this.fail(`${reason}, but this connection requires token authentication`);
    }
    this.state = 'DONE';
    return { done: { method: 'SIMPLE' } };
  }

  private expect(state: State, event: string): void {
    if (this.state !== state) this.unexpected(event);
  }

  private unexpected(event: string): never {
    throw this.fail(`unexpected SASL ${event} in state ${this.state}`);
  }

  private fail(message: string, cause?: unknown): SaslAuthError {
    return new SaslAuthError(`SASL authentication with ${this.options.peer} failed: ${message}`, {
      cause,
      context: { peer: this.options.peer },
    });
  }
}
