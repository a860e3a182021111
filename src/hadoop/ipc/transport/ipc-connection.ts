import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../log.js';
import { AuthProtocol, CallId } from '../codec/constants.js';
import { encodeConnectionContextFrame } from '../codec/connection-context.js';
import { FrameDecoder } from '../codec/frame-decoder.js';
import { encodePreamble } from '../codec/preamble.js';
import { encodeCallFrame, encodePingFrame } from '../codec/request-frame.js';
import { decodeResponseFrame, type DecodedResponseFrame } from '../codec/response-frame.js';
import { decodeSaslMessage, encodeSaslFrame } from '../codec/sasl-message.js';
import {
  IpcCallTimeoutError,
  IpcConnectError,
  IpcConnectionClosedError,
  IpcProtocolError,
  RemoteError,
} from '../errors.js';
import { remoteErrorFromResponse } from '../remote-errors.js';
import type { RpcCallOptions, RpcChannel, RpcProtocol } from '../rpc-channel.js';
import { SaslRpcClient, type SaslOutcome, type SaslQop } from '../../security/sasl-client.js';
import type { SaslSecurityLayer } from '../../security/digest-security-layer.js';
import type { HadoopToken } from '../../security/token.js';
import type { CallIdSource } from './client-identity.js';

/**
 * One Hadoop IPC connection: TCP connect, preamble, SASL, connection
 * context, then many calls in flight matched by call id. It moves bytes and
 * call ids; it never looks inside a request or response message.
 *
 * States: CONNECTING -> AUTHENTICATING -> READY -> CLOSED (from any state).
 * When the socket ends, errors, or the server sends FATAL, every pending call
 * fails with that cause and the connection is CLOSED for good; IpcClient
 * opens a new one on the next call.
 */

/** Tunables (defaults follow Hadoop's ipc.client.* where one exists). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000; // ipc.client.connect.timeout
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;
export const DEFAULT_PING_INTERVAL_MS = 60_000; // ipc.ping.interval

export type IpcAuth =
  /** TOKEN/DIGEST-MD5, what the RM scheduler port and NodeManagers require. */
  | {
      kind: 'token';
      token: HadoopToken;
      allowSimpleFallback?: boolean;
      /** The user to assert if the server does switch this connection to SIMPLE. */
      simpleUser?: string;
      /** Accepted SASL qualities of protection, preferred first (default: auth, auth-int, auth-conf). */
      qopPreference?: readonly SaslQop[];
    }
  /** No SASL at all (preamble auth byte 0): the user is asserted in the connection context. */
  | { kind: 'simple'; user: string };

export interface IpcConnectionOptions {
  host: string;
  port: number;
  /** The protocol named in the connection context (and used by calls by default). */
  protocol: RpcProtocol;
  auth: IpcAuth;
  /** 16 bytes, one per client process (see client-identity.ts). */
  clientId: Uint8Array;
  callIds: CallIdSource;
  /** crypto.randomBytes in production; fixed bytes in tests. */
  randomBytes: (n: number) => Uint8Array;
  logger: Logger;
  /** Who we talk to, for messages: e.g. "ResourceManager scheduler". */
  peerName?: string;
  connectTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Default per-call timeout; 0 disables it. */
  callTimeoutMs?: number;
  /** Send a ping after this long without hearing from the server while calls are pending; 0 disables pings. */
  pingIntervalMs?: number;
  /** Opens the byte stream; net.connect by default. Tests pass an in-memory duplex. */
  socketFactory?: (host: string, port: number) => Duplex;
}

export type IpcConnectionState = 'CONNECTING' | 'AUTHENTICATING' | 'READY' | 'CLOSED';

const TRANSITIONS: Record<IpcConnectionState, IpcConnectionState[]> = {
  CONNECTING: ['AUTHENTICATING', 'CLOSED'],
  AUTHENTICATING: ['READY', 'CLOSED'],
  READY: ['CLOSED'],
  CLOSED: [],
};

interface PendingCall {
  methodName: string;
  resolve: (payload: Uint8Array) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class IpcConnection implements RpcChannel {
  private state: IpcConnectionState = 'CONNECTING';
  private readonly socket: Duplex;
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, PendingCall>();
  private readonly closeListeners: Array<(cause: Error) => void> = [];
  private readonly log: Logger;
  private readonly peer: string;
  private readonly callTimeoutMs: number;
  private handshake: ((frame: DecodedResponseFrame | Error) => void) | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private lastHeardFrom = Date.now();
  private closeCause: Error | undefined;
  private authMethod: SaslOutcome['method'] | undefined;
  /** Set for SASL qop auth-int/auth-conf: every frame after SUCCESS is wrapped. */
  private securityLayer: SaslSecurityLayer | undefined;
  private readonly unwrappedDecoder = new FrameDecoder();

  /** Connects, authenticates and sends the connection context. */
  static async open(options: IpcConnectionOptions): Promise<IpcConnection> {
    const connection = new IpcConnection(options);
    try {
      await connection.establish(options);
    } catch (e) {
      connection.shutdown(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    return connection;
  }

  private constructor(private readonly options: IpcConnectionOptions) {
    this.peer = `${options.peerName ?? 'Hadoop IPC server'} at ${options.host}:${options.port}`;
    this.log = options.logger.child({ component: 'ipc', host: options.host, port: options.port });
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const factory = options.socketFactory ?? ((host: string, port: number) => net.connect({ host, port }));
    this.socket = factory(options.host, options.port);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err: Error) =>
      this.shutdown(this.closedError(`connection to ${this.peer} failed: ${err.message}`, err)),
    );
    this.socket.on('close', () => this.shutdown(this.closedError(`${this.peer} closed the connection`)));
    this.socket.on('end', () => this.shutdown(this.closedError(`${this.peer} closed the connection`)));
  }

  get currentState(): IpcConnectionState {
    return this.state;
  }

  get isOpen(): boolean {
    return this.state === 'READY';
  }

  /** How the connection authenticated: TOKEN or SIMPLE. */
  get authenticatedWith(): SaslOutcome['method'] | undefined {
    return this.authMethod;
  }

  /** The negotiated SASL quality of protection (auth when not wrapped). */
  get qop(): SaslQop | undefined {
    return this.authMethod === 'TOKEN' ? (this.securityLayer?.qop ?? 'auth') : undefined;
  }

  get pendingCalls(): number {
    return this.pending.size;
  }

  /** Called once when the connection closes, with the reason. */
  onClose(listener: (cause: Error) => void): void {
    if (this.state === 'CLOSED') listener(this.closeCause!);
    else this.closeListeners.push(listener);
  }

  call(
    protocol: RpcProtocol,
    methodName: string,
    request: Uint8Array,
    options: RpcCallOptions = {},
  ): Promise<Uint8Array> {
    if (this.state !== 'READY') {
      return Promise.reject(
        this.closeCause ?? this.closedError(`connection to ${this.peer} is not ready (state ${this.state})`),
      );
    }
    const callId = this.options.callIds.next();
    const frame = encodeCallFrame({
      callId,
      clientId: this.options.clientId,
      retryCount: options.retryCount ?? 0,
      methodName,
      declaringClassProtocolName: protocol.name,
      clientProtocolVersion: protocol.version,
      request,
    });
    return new Promise<Uint8Array>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.callTimeoutMs;
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              if (this.pending.delete(callId)) {
                reject(
                  new IpcCallTimeoutError(
                    `${methodName} on ${this.peer} got no response within ${timeoutMs} ms; ` +
                      'the server may be overloaded or the network partitioned (the call may still have run)',
                    { context: { method: methodName, host: this.options.host, callId } },
                  ),
                );
              }
            }, timeoutMs)
          : undefined;
      this.pending.set(callId, { methodName, resolve, reject, timer });
      this.send(frame);
    });
  }

  /** Closes the connection; pending calls fail with a non-retriable "closed by client" error. */
  close(): void {
    if (this.state === 'CLOSED') return;
    this.shutdown(
      new IpcConnectionClosedError(`connection to ${this.peer} was closed by this client`, {
        retriable: false,
        context: { host: this.options.host },
      }),
    );
  }

  // ---- establishing ---------------------------------------------------------

  private async establish(options: IpcConnectionOptions): Promise<void> {
    await this.waitForConnect(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    this.transitionTo('AUTHENTICATING');
    if (options.auth.kind === 'simple') {
      this.socket.write(encodePreamble(AuthProtocol.NONE));
      this.authMethod = 'SIMPLE';
    } else {
      const outcome = await this.authenticate(
        options.auth,
        options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      );
      this.authMethod = outcome.method;
      if (outcome.method === 'TOKEN') this.securityLayer = outcome.securityLayer;
    }
    if (!this.isUsable()) throw this.closeCause ?? this.closedError(`${this.peer} closed the connection`);
    // With TOKEN the token names the user; SIMPLE asserts one.
    const effectiveUser =
      options.auth.kind === 'simple'
        ? options.auth.user
        : this.authMethod === 'SIMPLE'
          ? options.auth.simpleUser
          : undefined;
    this.send(
      encodeConnectionContextFrame({ protocol: options.protocol.name, effectiveUser }, options.clientId),
    );
    this.transitionTo('READY');
    this.startPinging(options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS);
    this.log.debug(
      {
        auth: this.authMethod,
        qop: this.qop,
        tokenKind: options.auth.kind === 'token' ? options.auth.token.kind : undefined,
        protocol: options.protocol.name,
      },
      'IPC connection ready',
    );
  }

  private waitForConnect(timeoutMs: number): Promise<void> {
    const socket = this.socket as Duplex & { connecting?: boolean };
    if (!socket.connecting) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new IpcConnectError(
            `cannot connect to ${this.peer}: no answer within ${timeoutMs} ms; check the address and that the service is running`,
            {
              context: { host: this.options.host, port: this.options.port },
            },
          ),
        );
      }, timeoutMs);
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error & { code?: string }) => {
        cleanup();
        reject(
          new IpcConnectError(
            `cannot connect to ${this.peer}: ${err.code ?? err.message}; check the address and that the service is running`,
            {
              cause: err,
              context: { host: this.options.host, port: this.options.port },
            },
          ),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('error', onError);
      };
      socket.once('connect', onConnect);
      socket.once('error', onError);
    });
  }

  private authenticate(auth: Extract<IpcAuth, { kind: 'token' }>, timeoutMs: number): Promise<SaslOutcome> {
    const sasl = new SaslRpcClient({
      token: auth.token,
      allowSimple: auth.allowSimpleFallback ?? false,
      randomBytes: this.options.randomBytes,
      peer: this.peer,
      qopPreference: auth.qopPreference,
    });
    return new Promise<SaslOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.handshake = undefined;
        reject(
          new IpcConnectError(`${this.peer} did not complete SASL authentication within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const finish = (result: SaslOutcome | Error) => {
        clearTimeout(timer);
        this.handshake = undefined;
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      this.handshake = (frame) => {
        if (frame instanceof Error) return finish(frame);
        try {
          const { header, payload } = frame;
          if (header.status !== 'SUCCESS') {
            return finish(
              remoteErrorFromResponse(header, header.status === 'FATAL', { host: this.options.host }),
            );
          }
          if (header.callId !== CallId.SASL || !payload) {
            return finish(
              new IpcProtocolError(`expected a SASL reply from ${this.peer}, got call id ${header.callId}`),
            );
          }
          const step = sasl.receive(decodeSaslMessage(payload));
          if (step.send) this.socket.write(encodeSaslFrame(step.send));
          if (step.done) finish(step.done);
        } catch (e) {
          finish(e as Error);
        }
      };
      // The preamble and NEGOTIATE go out in one write.
      const preamble = encodePreamble(AuthProtocol.SASL);
      const negotiate = encodeSaslFrame(sasl.start());
      this.socket.write(Buffer.concat([preamble, negotiate]));
    });
  }

  // ---- receiving ------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state === 'CLOSED') return;
    this.lastHeardFrom = Date.now();
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.shutdown(e as Error);
      return;
    }
    for (const body of frames) {
      let frame: DecodedResponseFrame;
      try {
        frame = decodeResponseFrame(body);
      } catch (e) {
        this.shutdown(e as Error);
        return;
      }
      if (this.handshake) {
        this.handshake(frame);
        continue;
      }
      try {
        if (this.securityLayer) this.receiveWrapped(frame);
        else this.dispatch(frame);
      } catch (e) {
        this.shutdown(e as Error);
      }
      if (!this.isUsable()) return;
    }
  }

  /**
   * With a SASL security layer every server frame is a SASL WRAP message
   * whose token unwraps to ordinary response frames (possibly several, or
   * part of one).
   */
  private receiveWrapped(frame: DecodedResponseFrame): void {
    const { header, payload } = frame;
    if (header.status === 'FATAL') return this.dispatch(frame);
    const sasl = header.callId === CallId.SASL && payload ? decodeSaslMessage(payload) : undefined;
    if (!sasl || sasl.state !== 'WRAP' || !sasl.token) {
      throw new IpcProtocolError(
        `${this.peer} sent an unwrapped frame on a connection with SASL ${this.qop}`,
      );
    }
    let plain: Uint8Array;
    try {
      plain = this.securityLayer!.unwrap(sasl.token);
    } catch (e) {
      throw new IpcProtocolError(`cannot unwrap a message from ${this.peer}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    for (const body of this.unwrappedDecoder.push(plain)) {
      this.dispatch(decodeResponseFrame(body));
      if (!this.isUsable()) return;
    }
  }

  /** Writes request bytes, wrapped into SASL WRAP frames when a security layer is active. */
  private send(bytes: Uint8Array): void {
    const layer = this.securityLayer;
    if (!layer) {
      this.socket.write(bytes);
      return;
    }
    for (let at = 0; at < bytes.length; at += layer.rawSendSize) {
      const token = layer.wrap(bytes.subarray(at, at + layer.rawSendSize));
      this.socket.write(encodeSaslFrame({ state: 'WRAP', token }));
    }
  }

  private isUsable(): boolean {
    return this.state !== 'CLOSED';
  }

  private dispatch(frame: DecodedResponseFrame): void {
    const { header, payload } = frame;
    if (header.status === 'FATAL' || header.callId < 0) {
      // FATAL (or a negative id outside SASL): the server closes the connection.
      const call = this.pending.get(header.callId);
      this.shutdown(
        remoteErrorFromResponse(header, true, {
          host: this.options.host,
          ...(call ? { method: call.methodName } : {}),
        }),
      );
      return;
    }
    const call = this.pending.get(header.callId);
    if (!call) {
      this.log.debug({ callId: header.callId }, 'response for an unknown or timed-out call ignored');
      return;
    }
    this.pending.delete(header.callId);
    if (call.timer) clearTimeout(call.timer);
    if (header.clientId && header.clientId.length > 0 && !sameBytes(header.clientId, this.options.clientId)) {
      call.reject(new IpcProtocolError(`response to ${call.methodName} carries another client id`));
      return;
    }
    if (header.status === 'SUCCESS') {
      call.resolve(payload ?? new Uint8Array(0));
    } else {
      call.reject(
        remoteErrorFromResponse(header, false, { method: call.methodName, host: this.options.host }),
      );
    }
  }

  // ---- ping, state and shutdown ----------------------------------------------

  private startPinging(intervalMs: number): void {
    if (intervalMs <= 0) return;
    const ping = encodePingFrame(this.options.clientId);
    // Like Hadoop's client: only while waiting for responses and the server has been silent.
    this.pingTimer = setInterval(
      () => {
        if (
          this.state === 'READY' &&
          this.pending.size > 0 &&
          Date.now() - this.lastHeardFrom >= intervalMs
        ) {
          this.send(ping);
          this.lastHeardFrom = Date.now();
        }
      },
      Math.max(10, Math.floor(intervalMs / 4)),
    );
    this.pingTimer.unref();
  }

  private transitionTo(next: IpcConnectionState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new Error(`internal: IPC connection cannot go from ${this.state} to ${next}`);
    }
    this.log.trace({ from: this.state, to: next }, 'IPC connection state');
    this.state = next;
  }

  private closedError(message: string, cause?: unknown): IpcConnectionClosedError {
    return new IpcConnectionClosedError(message, {
      cause,
      context: { host: this.options.host, port: this.options.port },
    });
  }

  private shutdown(cause: Error): void {
    if (this.state === 'CLOSED') return;
    this.transitionTo('CLOSED');
    this.closeCause = cause;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.handshake?.(cause);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) {
      if (call.timer) clearTimeout(call.timer);
      call.reject(cause);
    }
    this.socket.destroy();
    if (cause instanceof RemoteError || !(cause instanceof IpcConnectionClosedError) || pending.length > 0) {
      this.log.debug(
        {
          err: { code: (cause as { code?: string }).code, message: cause.message },
          failedCalls: pending.length,
        },
        'IPC connection closed',
      );
    }
    for (const listener of this.closeListeners.splice(0)) listener(cause);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
