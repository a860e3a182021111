import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import { ClientHandshake, ServerHandshake, type HandshakeStep, type RandomBytes } from './auth/handshake.js';
import {
  decodeAppFrame,
  encodeAppFrameHead,
  isAppFrameKind,
  type AppFrame,
  type RpcMessage,
} from './codec/app-frame.js';
import { FrameDecoder } from './codec/frame-decoder.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameKind,
  HANDSHAKE_MAX_FRAME_BYTES,
  type RawFrame,
} from './codec/frame.js';
import {
  RpcAuthError,
  RpcConnectionClosedError,
  RpcFrameTooLargeError,
  RpcProtocolError,
  RpcRemoteError,
  RpcStateError,
  RpcTimeoutError,
} from './errors.js';
import { ConnectionStateMachine, type RpcConnectionState } from './connection-state.js';
import { PendingRequests } from './pending-requests.js';

/**
 * One authenticated tspark RPC connection over a byte stream (a TCP socket,
 * or any Duplex in tests). It runs the handshake first (client or server
 * role, auth/handshake.ts) and looks at no application frame before the peer
 * has proved it holds the secret. Then it carries one-way messages and
 * request/response pairs matched by request id, dispatching inbound messages
 * to handlers by `type`. It moves messages; it never interprets them.
 *
 * When the stream ends or fails, every pending request fails with an
 * RpcConnectionClosedError naming the peer, and 'closed' is emitted once.
 */

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
/** spark.rpc.askTimeout's default (spark.network.timeout, 120 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/** After close(), how long the peer has to acknowledge our FIN before the socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;

export type { RpcConnectionState };

/** What a handler may return for a request; a plain message is a response without body. */
export class RpcReply {
  constructor(
    readonly message: RpcMessage,
    readonly body?: Uint8Array | readonly Uint8Array[],
  ) {}
}

export interface RpcCallContext {
  connection: RpcConnection;
  /** Raw bytes sent after the message (empty when none). */
  body: Buffer;
  /** True for a request (the return value is the response), false for a one-way message. */
  isRequest: boolean;
}

export type RpcHandlerResult = RpcMessage | RpcReply | void;
/**
 * Handles one message type. For a request, the returned message (or RpcReply)
 * is the response, `undefined` answers `{ type: 'ack' }`, and a throw answers
 * with an error the requester receives as RpcRemoteError.
 */
export type RpcHandler = (
  message: RpcMessage,
  context: RpcCallContext,
) => RpcHandlerResult | Promise<RpcHandlerResult>;

export interface RpcResponse {
  message: RpcMessage;
  body: Buffer;
}

export interface RequestOptions {
  /** Overrides the connection's default; 0 waits forever. */
  timeoutMs?: number;
  body?: Uint8Array | readonly Uint8Array[];
}

export interface RpcConnectionOptions {
  stream: Duplex;
  role: 'client' | 'server';
  secret: Buffer;
  /** host:port of the other end, for messages and errors. */
  peer: string;
  /** What the other end is, for messages: "driver endpoint", "executor 3", "peer". */
  peerName?: string;
  logger: Logger;
  randomBytes: RandomBytes;
  maxFrameBytes?: number;
  handshakeTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Looked up when the connection has no handler of its own for a type (the server's table). */
  fallbackHandlers?: ReadonlyMap<string, RpcHandler>;
}

interface ConnectionEvents {
  /** Emitted once, with the reason, when the connection is closed for good. */
  closed: [cause: Error];
}

export class RpcConnection extends EventEmitter<ConnectionEvents> {
  readonly peer: string;
  private readonly describe: string;
  private readonly state: ConnectionStateMachine;
  private readonly stream: Duplex;
  private readonly decoder = new FrameDecoder(HANDSHAKE_MAX_FRAME_BYTES);
  private readonly handshake: ClientHandshake | ServerHandshake;
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly pending = new PendingRequests<RpcResponse>();
  private readonly log: Logger;
  private readonly maxFrameBytes: number;
  private readonly requestTimeoutMs: number;
  private corked = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private closeCause: Error | undefined;
  private streamError: Error | undefined;
  private settleReady: { resolve: () => void; reject: (e: Error) => void } | undefined;
  /** Resolves once the peer is authenticated; rejects with why it was not. */
  readonly ready: Promise<void>;

  constructor(private readonly options: RpcConnectionOptions) {
    super();
    this.peer = options.peer;
    this.describe = `${options.peerName ?? 'peer'} at ${options.peer}`;
    this.log = options.logger.child({ component: 'rpc', peer: options.peer });
    this.state = new ConnectionStateMachine(this.log);
    this.stream = options.stream;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.ready = new Promise<void>((resolve, reject) => (this.settleReady = { resolve, reject }));
    // a refused handshake is reported through 'closed' and ready's rejection; never unhandled
    this.ready.catch(() => undefined);
    this.handshake =
      options.role === 'client'
        ? new ClientHandshake(options.secret, options.randomBytes, this.describe)
        : new ServerHandshake(options.secret, options.randomBytes, this.describe);

    this.stream.on('data', (chunk: Buffer) => this.onData(chunk));
    this.stream.on('error', (err: Error) => (this.streamError ??= err));
    this.stream.on('close', () => this.onStreamClosed());
    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.handshakeTimer = setTimeout(
      () =>
        this.fail(
          new RpcTimeoutError(
            `the handshake with the ${this.describe} did not finish within ${handshakeTimeoutMs} ms: the peer ` +
              'is overloaded, or it is not a tspark RPC endpoint',
            { context: { peer: this.peer } },
          ),
        ),
      handshakeTimeoutMs,
    );
    if (this.handshake instanceof ClientHandshake) this.write(this.handshake.hello());
  }

  get currentState(): RpcConnectionState {
    return this.state.current;
  }

  get isOpen(): boolean {
    return this.state.current === 'OPEN';
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Handles messages of `type` on this connection (before the fallback table). */
  handle(type: string, handler: RpcHandler): this {
    this.handlers.set(type, handler);
    return this;
  }

  /**
   * Sends a one-way message. Returns false when the socket's buffer is full:
   * a caller producing much data should then await drained().
   */
  send(message: RpcMessage, body?: Uint8Array | readonly Uint8Array[]): boolean {
    this.assertOpen(message.type);
    return this.writeAppFrame(FrameKind.ONE_WAY, 0, message, body);
  }

  /** Sends a request and resolves with the peer's response. */
  request(message: RpcMessage, options: RequestOptions = {}): Promise<RpcResponse> {
    try {
      this.assertOpen(message.type);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<RpcResponse>((resolve, reject) => {
      const requestId = this.pending.add({ type: message.type, resolve, reject }, timeoutMs, () => {
        return new RpcTimeoutError(
          `request "${message.type}" to the ${this.describe} got no response within ${timeoutMs} ms ` +
            '(spark.rpc.askTimeout): the peer is overloaded, stuck, or gone',
          { context: { peer: this.peer, type: message.type } },
        );
      });
      try {
        this.writeAppFrame(FrameKind.REQUEST, requestId, message, options.body);
      } catch (e) {
        this.pending.take(requestId);
        reject(e as Error);
      }
    });
  }

  /** Resolves when the socket can take more data (at once if it can now); rejects if it closes first. */
  drained(): Promise<void> {
    if (this.state.current === 'CLOSED') return Promise.reject(this.closedError());
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.off('closed', onClosed);
        resolve();
      };
      const onClosed = (cause: Error): void => {
        this.stream.off('drain', onDrain);
        reject(cause);
      };
      this.stream.once('drain', onDrain);
      this.once('closed', onClosed);
    });
  }

  /** Resolves with the close cause once the connection is CLOSED. */
  whenClosed(): Promise<Error> {
    if (this.closeCause && this.state.current === 'CLOSED') return Promise.resolve(this.closeCause);
    return new Promise((resolve) => this.once('closed', resolve));
  }

  /**
   * Closes gracefully: what was written is flushed, pending requests fail at
   * once (non-retriable: this side chose to close), and 'closed' follows when
   * the socket is gone. Idempotent.
   */
  close(reason = 'closed by this side'): void {
    const s = this.state.current;
    if (s === 'CLOSING' || s === 'CLOSED') return;
    if (s === 'AUTHENTICATING') {
      this.fail(
        new RpcConnectionClosedError(`connection to the ${this.describe} ${reason} during the handshake`, {
          retriable: false,
          context: { peer: this.peer },
        }),
      );
      return;
    }
    this.closeCause = new RpcConnectionClosedError(`connection to the ${this.describe} ${reason}`, {
      retriable: false,
      context: { peer: this.peer },
    });
    this.state.transition('OPEN', 'CLOSING');
    this.failPending(this.closeCause);
    this.stream.end();
    this.closeTimer = setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS);
    this.closeTimer.unref();
  }

  // --- inbound ---------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state.current === 'CLOSING' || this.state.current === 'CLOSED') return;
    try {
      this.decoder.push(chunk, (frame) => this.onFrame(frame));
    } catch (e) {
      if (this.state.current === 'AUTHENTICATING' && e instanceof RpcFrameTooLargeError) {
        // no handshake frame is that large: this is not a tspark peer, and the frame limit is not the fix
        this.fail(
          new RpcAuthError(
            `the ${this.describe} announced a frame larger than any handshake frame before authenticating ` +
              '(it is not a tspark RPC peer); closed before any message was processed',
            { cause: e, context: { peer: this.peer } },
          ),
        );
        return;
      }
      this.fail(e as Error);
    }
  }

  private onFrame(frame: RawFrame): void {
    switch (this.state.current) {
      case 'AUTHENTICATING':
        this.onHandshakeStep(this.handshake.receive(frame));
        return;
      case 'OPEN':
        if (!isAppFrameKind(frame.kind)) {
          throw new RpcProtocolError(
            `the ${this.describe} sent a handshake frame (kind 0x${frame.kind.toString(16)}) after authentication`,
          );
        }
        this.dispatch(decodeAppFrame(frame.kind, frame.payload));
        return;
      default:
        // CLOSING or CLOSED: frames after a refusal or close are never looked at
        return;
    }
  }

  private onHandshakeStep(step: HandshakeStep): void {
    if (step.outcome === 'refused') {
      // send the refusal (if any) and hang up; nothing after this frame is processed
      this.log.warn({ err: { message: step.error.message } }, 'authentication failed');
      this.fail(step.error, step.reply);
      return;
    }
    if (step.reply) this.write(step.reply);
    if (step.outcome === 'authenticated') {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = undefined;
      this.decoder.setMaxFrameBytes(this.maxFrameBytes);
      this.state.transition('AUTHENTICATING', 'OPEN');
      this.settleReady?.resolve();
    }
  }

  private dispatch(frame: AppFrame): void {
    if (frame.kind === FrameKind.RESPONSE || frame.kind === FrameKind.ERROR) {
      const pending = this.pending.take(frame.requestId);
      if (!pending) {
        // it timed out already; the late answer has nobody waiting
        this.log.debug({ requestId: frame.requestId }, 'response for no pending request dropped');
        return;
      }
      if (frame.kind === FrameKind.RESPONSE) pending.resolve({ message: frame.message, body: frame.body });
      else pending.reject(this.remoteError(frame.message, pending.type));
      return;
    }
    const isRequest = frame.kind === FrameKind.REQUEST;
    const type = frame.message.type;
    const handler = this.handlers.get(type) ?? this.options.fallbackHandlers?.get(type);
    if (!handler) {
      if (isRequest) {
        this.respondError(frame.requestId, {
          name: 'RpcNoHandler',
          message: `the ${this.options.role === 'server' ? 'server' : 'client'} has no handler for requests of type "${type}"`,
          code: 'RPC_NO_HANDLER',
        });
      } else {
        this.log.warn({ type }, 'one-way message with no handler dropped');
      }
      return;
    }
    const context: RpcCallContext = { connection: this, body: frame.body, isRequest };
    let outcome: Promise<RpcHandlerResult>;
    try {
      outcome = Promise.resolve(handler(frame.message, context));
    } catch (e) {
      outcome = Promise.reject(e as Error);
    }
    if (isRequest) {
      outcome.then(
        (result) => this.respond(frame.requestId, result),
        (e: unknown) => this.respondError(frame.requestId, describeThrown(e)),
      );
    } else {
      outcome.catch((e: unknown) =>
        this.log.warn(
          { type, err: { message: describeThrown(e).message } },
          'handler of a one-way message failed',
        ),
      );
    }
  }

  private respond(requestId: number, result: RpcHandlerResult): void {
    if (this.state.current !== 'OPEN') return;
    const reply = result instanceof RpcReply ? result : new RpcReply(result ?? { type: 'ack' });
    try {
      this.writeAppFrame(FrameKind.RESPONSE, requestId, reply.message, reply.body);
    } catch (e) {
      // e.g. the response is over the frame limit: the requester learns why instead of timing out
      this.respondError(requestId, describeThrown(e));
    }
  }

  private respondError(requestId: number, error: { name: string; message: string; code?: string }): void {
    if (this.state.current !== 'OPEN') return;
    this.writeAppFrame(FrameKind.ERROR, requestId, { type: 'error', ...error });
  }

  private remoteError(message: RpcMessage, requestType: string): RpcRemoteError {
    const name = typeof message.name === 'string' ? message.name : 'Error';
    const text = typeof message.message === 'string' ? message.message : '(no message)';
    const code = typeof message.code === 'string' ? message.code : undefined;
    return new RpcRemoteError(
      {
        name,
        message: `${text} (request "${requestType}" to the ${this.describe})`,
        ...(code ? { code } : {}),
      },
      { context: { peer: this.peer, type: requestType } },
    );
  }

  // --- outbound --------------------------------------------------------------

  private writeAppFrame(
    kind:
      | typeof FrameKind.ONE_WAY
      | typeof FrameKind.REQUEST
      | typeof FrameKind.RESPONSE
      | typeof FrameKind.ERROR,
    requestId: number,
    message: RpcMessage,
    body?: Uint8Array | readonly Uint8Array[],
  ): boolean {
    const parts = body === undefined ? [] : body instanceof Uint8Array ? [body] : body;
    let bodyLength = 0;
    for (const p of parts) bodyLength += p.length;
    const head = encodeAppFrameHead(kind, requestId, message, bodyLength, this.maxFrameBytes);
    let ok = this.write(head);
    // the caller's buffers go to the socket as they are: no copy, no node:v8
    for (const p of parts) if (p.length > 0) ok = this.write(p);
    return ok;
  }

  /** Writes, coalescing the writes of one tick into one writev (many small messages -> few syscalls). */
  private write(bytes: Uint8Array): boolean {
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(() => {
        this.corked = false;
        this.stream.uncork();
      });
    }
    return this.stream.write(bytes);
  }

  // --- lifecycle -------------------------------------------------------------

  private onStreamClosed(): void {
    clearTimeout(this.closeTimer);
    if (this.state.current === 'CLOSING') {
      this.finish(this.closeCause!);
      return;
    }
    const message = this.streamError
      ? `connection to the ${this.describe} failed: ${this.streamError.message}`
      : this.state.current === 'AUTHENTICATING'
        ? `the ${this.describe} closed the connection during the handshake (it may hold a different secret)`
        : `the ${this.describe} closed the connection`;
    this.fail(
      new RpcConnectionClosedError(message, { cause: this.streamError, context: { peer: this.peer } }),
    );
  }

  /**
   * Closes at once for `cause`: pending requests fail and the socket is
   * destroyed, or, with a last frame to deliver (a refusal), ended after it.
   */
  private fail(cause: Error, lastFrame?: Buffer): void {
    if (this.state.current === 'CLOSED') return;
    this.closeCause = cause;
    this.failPending(cause);
    if (lastFrame && !this.stream.destroyed) {
      this.stream.end(lastFrame);
      const timer = setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS);
      timer.unref();
      this.stream.once('close', () => clearTimeout(timer));
    } else {
      this.stream.destroy();
    }
    this.finish(cause);
  }

  private finish(cause: Error): void {
    if (this.state.current === 'CLOSED') return;
    this.state.transition(this.state.current, 'CLOSED');
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.closeTimer);
    this.closeCause = cause;
    this.settleReady?.reject(cause);
    this.emit('closed', cause);
  }

  private failPending(cause: Error): void {
    if (this.pending.size === 0) return;
    const closed =
      cause instanceof RpcConnectionClosedError
        ? cause
        : new RpcConnectionClosedError(`connection to the ${this.describe} closed: ${cause.message}`, {
            cause,
            context: { peer: this.peer },
          });
    this.pending.failAll(closed);
  }

  private closedError(): Error {
    return (
      this.closeCause ??
      new RpcConnectionClosedError(`connection to the ${this.describe} is closed`, {
        context: { peer: this.peer },
      })
    );
  }

  private assertOpen(type: string): void {
    const s = this.state.current;
    if (s === 'OPEN') return;
    if (s === 'AUTHENTICATING') {
      throw new RpcStateError(
        `cannot send "${type}" to the ${this.describe} before authentication completed; await connection.ready`,
      );
    }
    throw this.closeCause ?? this.closedError();
  }
}

function describeThrown(e: unknown): { name: string; message: string; code?: string } {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}
