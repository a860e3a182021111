import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { TsparkError, ExitCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { RandomBytes } from './auth/handshake.js';
import { RpcConnection, type RpcHandler } from './rpc-connection.js';
import { secretBytes } from './secret.js';

/**
 * Listens for tspark RPC connections and authenticates each one before it is
 * handed out ('connection' event) or any message on it reaches a handler.
 * Used by the driver endpoint, executors and block servers alike.
 *
 * Binding follows Spark: the server listens on `bindAddress` and tells peers
 * to dial `advertisedHost` (spark.driver.bindAddress vs spark.driver.host);
 * port 0 picks a free port, and a busy fixed port is retried on the next
 * ones, `portMaxRetries` times (spark.port.maxRetries).
 */

export const DEFAULT_PORT_MAX_RETRIES = 16;
/** Connections allowed in the handshake at once; more are dropped unread (a stranger cannot pile them up). */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 64;

export interface RpcServerOptions {
  bindAddress: string;
  /** 0 = an ephemeral port. */
  port: number;
  /** The host peers use to reach us; defaults to bindAddress. */
  advertisedHost?: string;
  secret: string | Uint8Array;
  logger: Logger;
  /** What this server is, for logs and errors: "driver endpoint", "block server". */
  name?: string;
  portMaxRetries?: number;
  maxPendingHandshakes?: number;
  maxFrameBytes?: number;
  handshakeTimeoutMs?: number;
  requestTimeoutMs?: number;
  randomBytes?: RandomBytes;
}

interface ServerEvents {
  /** A peer connected and proved it holds the secret. */
  connection: [connection: RpcConnection];
  /** A peer failed to authenticate (or vanished during the handshake); its connection is closed. */
  authFailed: [error: Error, peer: string];
}

export class RpcBindError extends TsparkError {
  constructor(message: string, cause: unknown) {
    super('RPC_BIND_FAILED', message, { exitCode: ExitCode.CONFIG, cause });
  }
}

export class RpcServer extends EventEmitter<ServerEvents> {
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly live = new Set<RpcConnection>();
  private readonly log: Logger;
  private readonly name: string;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: net.Server,
    private readonly options: RpcServerOptions,
    private readonly secret: Buffer,
    readonly boundPort: number,
  ) {
    super();
    this.name = options.name ?? 'RPC server';
    this.log = options.logger.child({ component: 'rpc-server', name: this.name });
    server.on('connection', (socket) => this.onSocket(socket));
  }

  static async listen(options: RpcServerOptions): Promise<RpcServer> {
    const secret = secretBytes(options.secret);
    const retries = options.port === 0 ? 0 : (options.portMaxRetries ?? DEFAULT_PORT_MAX_RETRIES);
    let lastError: unknown;
    for (let i = 0; i <= retries; i++) {
      const port = options.port === 0 ? 0 : options.port + i;
      const server = net.createServer({ noDelay: true });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: options.bindAddress, port }, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        lastError = e;
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
        continue;
      }
      const bound = (server.address() as net.AddressInfo).port;
      const rpc = new RpcServer(server, options, secret, bound);
      rpc.log.info(
        { bindAddress: options.bindAddress, port: bound, host: rpc.address.host },
        `${rpc.name} listening`,
      );
      return rpc;
    }
    const name = options.name ?? 'RPC server';
    throw new RpcBindError(
      `${name} cannot listen on ${options.bindAddress}:${options.port}` +
        (retries > 0 ? ` (nor on the next ${retries} ports)` : '') +
        `: ${(lastError as Error).message}. Choose another port (spark.driver.port, 0 = any free port) or a local ` +
        'address of this host (spark.driver.bindAddress)',
      lastError,
    );
  }

  /** Where peers should connect: the advertised host and the bound port. */
  get address(): { host: string; port: number } {
    return { host: this.options.advertisedHost ?? this.options.bindAddress, port: this.boundPort };
  }

  /** Authenticated connections that are still open. */
  get connections(): RpcConnection[] {
    return [...this.live].filter((c) => c.isOpen);
  }

  /** Handles messages of `type` on every connection (a connection's own handlers come first). */
  handle(type: string, handler: RpcHandler): this {
    this.handlers.set(type, handler);
    return this;
  }

  private onSocket(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const limit = this.options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES;
    const handshaking = [...this.live].filter((c) => c.currentState === 'AUTHENTICATING').length;
    if (handshaking >= limit) {
      this.log.warn(
        { peer, limit },
        `connection dropped: ${handshaking} connections are already in the handshake`,
      );
      socket.destroy();
      return;
    }
    const connection = new RpcConnection({
      stream: socket,
      role: 'server',
      secret: this.secret,
      peer,
      peerName: 'peer',
      logger: this.options.logger,
      randomBytes: this.options.randomBytes ?? cryptoRandomBytes,
      maxFrameBytes: this.options.maxFrameBytes,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      fallbackHandlers: this.handlers,
    });
    this.live.add(connection);
    connection.once('closed', () => this.live.delete(connection));
    connection.ready.then(
      () => {
        this.log.debug({ peer }, 'peer authenticated');
        this.emit('connection', connection);
      },
      (e: Error) => {
        if (!this.closing) this.emit('authFailed', e, peer);
      },
    );
  }

  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const closed = [...this.live].map((c) => {
        const done = c.whenClosed();
        c.close(`closed: the ${this.name} is shutting down`);
        return done;
      });
      await Promise.all([stopped, ...closed]);
      this.log.debug(`${this.name} closed`);
    })();
    return this.closing;
  }
}
