import { Duplex } from 'node:stream';
import { decodePreamble, type Preamble } from '../../../../src/hadoop/ipc/codec/preamble.js';
import { FrameDecoder } from '../../../../src/hadoop/ipc/codec/frame-decoder.js';
import {
  decodeRequestFrame,
  decodeRpcRequestHeaderProto,
} from '../../../../src/hadoop/ipc/codec/request-frame.js';
import {
  encodeResponseFrame,
  type RpcResponseHeader,
} from '../../../../src/hadoop/ipc/codec/response-frame.js';
import {
  decodeSaslMessage,
  encodeSaslMessage,
  type SaslMessage,
} from '../../../../src/hadoop/ipc/codec/sasl-message.js';
import {
  decodeConnectionContext,
  type ConnectionContext,
} from '../../../../src/hadoop/ipc/codec/connection-context.js';
import {
  digestResponse,
  expectedRspauth,
  parseDirectives,
} from '../../../../src/hadoop/security/digest-md5.js';
import {
  createDigestSecurityLayer,
  type SaslSecurityLayer,
} from '../../../../src/hadoop/security/digest-security-layer.js';

/** Two connected in-memory streams: what one writes, the other reads. */
export function duplexPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        const p = peer();
        if (!p.destroyed) p.push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  return [a, b];
}

// The Hadoop TOKEN vector (hadoop-ipc brief §6.8): with this nonce and the
// client nonce "cnonce-test", the right password gives this response/rspauth.
export const VECTOR = {
  identifier: Buffer.from('0a0d0a09080d109f81d5b2f32d10011005', 'hex'),
  password: Buffer.from('0102030405060708090a0b0c0d0e0f1011121314', 'hex'),
  nonce: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=',
  response: '9bd402c984686ee6a76a75c25b29448f',
  rspauth: '834864b3ffd31ac1fb4562a94c64e0ba',
};
export const vectorRandomBytes = () => Buffer.from('cnonce-test');

export interface ReceivedCall {
  callId: number;
  retryCount: number;
  clientId: Uint8Array;
  methodName: string;
  protocolName: string;
  request: Uint8Array;
}

export interface FakeServerOptions {
  /** Answer INITIATE with FATAL InvalidToken instead of SUCCESS. */
  rejectToken?: boolean;
  /** Send a wrong rspauth. */
  badRspauth?: boolean;
  /** Write each response one byte at a time. */
  trickle?: boolean;
  /** Answer NEGOTIATE with SUCCESS, as a SIMPLE-only server does. */
  simpleOnly?: boolean;
  /** Drop the connection when NEGOTIATE arrives. */
  hangUpOnNegotiate?: boolean;
  /** Require a SASL security layer (hadoop.rpc.protection integrity / privacy). */
  qop?: 'auth-int' | 'auth-conf';
  onCall?: (call: ReceivedCall, server: FakeIpcServer) => void;
}

/**
 * A scripted Hadoop IPC server on the far end of a duplex pair: it speaks
 * the preamble, TOKEN/DIGEST-MD5 SASL (checking the client's response
 * against the known vector), reads the connection context and hands calls
 * to `onCall`. It records everything it received.
 */
export class FakeIpcServer {
  preamble: Preamble | undefined;
  readonly sasl: SaslMessage[] = [];
  context: (ConnectionContext & { hasUserInfo: boolean }) | undefined;
  readonly calls: ReceivedCall[] = [];
  pings = 0;
  /** Number of SASL WRAP frames received after authentication. */
  wrappedFrames = 0;
  private buffered = Buffer.alloc(0);
  private readonly decoder = new FrameDecoder();
  private readonly unwrappedDecoder = new FrameDecoder();
  private layer: SaslSecurityLayer | undefined;

  constructor(
    readonly socket: Duplex,
    private readonly options: FakeServerOptions = {},
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
  }

  private onData(chunk: Buffer): void {
    let data: Buffer = chunk;
    if (!this.preamble) {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      if (this.buffered.length < 7) return;
      this.preamble = decodePreamble(this.buffered.subarray(0, 7));
      data = this.buffered.subarray(7);
    }
    for (const body of this.decoder.push(data)) this.onFrame(body);
  }

  private onFrame(body: Uint8Array): void {
    const frame = decodeRequestFrame(body);
    const { callId } = frame.header;
    if (callId === -33 && this.layer) {
      const wrapped = decodeSaslMessage(frame.payloads[0]!);
      if (wrapped.state !== 'WRAP') throw new Error(`fake server: expected WRAP, got ${wrapped.state}`);
      this.wrappedFrames++;
      for (const inner of this.unwrappedDecoder.push(this.layer.unwrap(wrapped.token!)))
        this.onPlainFrame(inner);
      return;
    }
    if (this.layer) throw new Error('fake server: unwrapped frame after a security layer was negotiated');
    if (callId === -33) return this.onSasl(decodeSaslMessage(frame.payloads[0]!));
    this.onPlainFrame(body);
  }

  private onPlainFrame(body: Uint8Array): void {
    const frame = decodeRequestFrame(body);
    const { callId } = frame.header;
    if (callId === -3) {
      this.context = decodeConnectionContext(frame.payloads[0]!);
      return;
    }
    if (callId === -4) {
      this.pings++;
      return;
    }
    const header = decodeRpcRequestHeaderProto(frame.payloads[0]!);
    const call: ReceivedCall = {
      callId,
      retryCount: frame.header.retryCount,
      clientId: frame.header.clientId,
      methodName: header.methodName,
      protocolName: header.declaringClassProtocolName,
      request: frame.payloads[1]!,
    };
    this.calls.push(call);
    this.options.onCall?.(call, this);
  }

  private onSasl(message: SaslMessage): void {
    this.sasl.push(message);
    if (message.state === 'NEGOTIATE' && this.options.hangUpOnNegotiate) {
      this.socket.destroy();
      return;
    }
    if (message.state === 'NEGOTIATE' && this.options.simpleOnly) {
      this.sendSasl({ state: 'SUCCESS' });
      return;
    }
    if (message.state === 'NEGOTIATE') {
      const qop = this.options.qop ?? 'auth';
      const cipher = qop === 'auth-conf' ? ',cipher="rc4,3des"' : '';
      const challenge = `realm="default",nonce="${VECTOR.nonce}",qop="${qop}",charset=utf-8${cipher},algorithm=md5-sess`;
      this.sendSasl({
        state: 'NEGOTIATE',
        auths: [
          {
            method: 'TOKEN',
            mechanism: 'DIGEST-MD5',
            protocol: '',
            serverId: 'default',
            challenge: Buffer.from(challenge),
          },
        ],
      });
    } else if (message.state === 'INITIATE') {
      const directives = parseDirectives(Buffer.from(message.token ?? []).toString());
      const qop = (this.options.qop ?? 'auth') as 'auth' | 'auth-int' | 'auth-conf';
      const inputs = {
        username: VECTOR.identifier.toString('base64'),
        password: VECTOR.password.toString('base64'),
        realm: 'default',
        nonce: VECTOR.nonce,
        cnonce: directives.get('cnonce') ?? '',
        nc: '00000001',
        qop,
        digestUri: '/default',
      };
      const expected = qop === 'auth' ? VECTOR.response : digestResponse(inputs);
      if (
        this.options.rejectToken ||
        directives.get('response') !== expected ||
        directives.get('qop') !== qop
      ) {
        this.write(
          encodeResponseFrame({
            callId: -33,
            status: 'FATAL',
            serverIpcVersionNum: 9,
            exceptionClassName: 'org.apache.hadoop.security.token.SecretManager$InvalidToken',
            errorMsg: 'appattempt_1700000000000_0013_000001 not found in AMRMTokenSecretManager.',
            errorDetail: 'FATAL_UNAUTHORIZED',
          }),
        );
        this.socket.end();
        return;
      }
      const rspauth = this.options.badRspauth
        ? '0'.repeat(32)
        : qop === 'auth'
          ? VECTOR.rspauth
          : expectedRspauth(inputs);
      this.sendSasl({ state: 'SUCCESS', token: Buffer.from(`rspauth=${rspauth}`) });
      if (qop !== 'auth') this.layer = createDigestSecurityLayer({ ...inputs, qop }, 65536, 'server');
    }
  }

  private sendSasl(message: SaslMessage): void {
    this.write(
      encodeResponseFrame(
        {
          callId: -33,
          status: 'SUCCESS',
          serverIpcVersionNum: 9,
          clientId: new Uint8Array(0),
          retryCount: -1,
        },
        encodeSaslMessage(message),
      ),
    );
  }

  respond(call: ReceivedCall, payload: Uint8Array): void {
    this.write(
      encodeResponseFrame(
        {
          callId: call.callId,
          status: 'SUCCESS',
          serverIpcVersionNum: 9,
          clientId: call.clientId,
          retryCount: call.retryCount,
        },
        payload,
      ),
    );
  }

  respondError(call: ReceivedCall, header: Partial<RpcResponseHeader>): void {
    this.write(
      encodeResponseFrame({
        callId: call.callId,
        status: 'ERROR',
        serverIpcVersionNum: 9,
        errorDetail: 'ERROR_APPLICATION',
        clientId: call.clientId,
        retryCount: call.retryCount,
        ...header,
      }),
    );
  }

  write(frame: Uint8Array): void {
    if (this.layer) {
      const token = this.layer.wrap(frame);
      frame = encodeResponseFrame(
        {
          callId: -33,
          status: 'SUCCESS',
          serverIpcVersionNum: 9,
          clientId: new Uint8Array(0),
          retryCount: -1,
        },
        encodeSaslMessage({ state: 'WRAP', token }),
      );
    }
    if (this.options.trickle) for (const b of frame) this.socket.write(Buffer.of(b));
    else this.socket.write(Buffer.from(frame));
  }
}
