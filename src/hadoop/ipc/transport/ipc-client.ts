import type { RpcCallOptions, RpcChannel, RpcProtocol } from '../rpc-channel.js';
import { IpcConnectionClosedError } from '../errors.js';
import { IpcConnection, type IpcAuth, type IpcConnectionOptions } from './ipc-connection.js';

export interface IpcClientOptions extends Omit<IpcConnectionOptions, 'auth'> {
  /**
   * Asked for credentials each time a connection is opened, so a rolled
   * AMRMToken (AllocateResponse.am_rm_token) or a fresh NMToken is used on
   * the next reconnect.
   */
  auth: () => IpcAuth;
  /**
   * Close the connection after this long without calls in flight (Hadoop's
   * ipc.client.connection.maxidletime is 10 s); the next call reconnects.
   * 0 (the default) keeps it open until close().
   */
  maxIdleMs?: number;
}

/**
 * An RpcChannel to one server that (re)connects on demand: the first call
 * opens the connection, calls share it, and after the connection closes
 * (EOF, FATAL, idle) the next call opens a new one. It never retries a call
 * by itself: a call that was in flight when the connection died fails with a
 * retriable error, and the caller decides whether the method is safe to
 * repeat.
 */
export class IpcClient implements RpcChannel {
  private connection: IpcConnection | undefined;
  private connecting: Promise<IpcConnection> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: IpcClientOptions) {}

  async call(
    protocol: RpcProtocol,
    methodName: string,
    request: Uint8Array,
    options?: RpcCallOptions,
  ): Promise<Uint8Array> {
    this.inFlight++;
    this.clearIdleTimer();
    try {
      const connection = await this.connect();
      return await connection.call(protocol, methodName, request, options);
    } finally {
      this.inFlight--;
      this.armIdleTimer();
    }
  }

  /** The open connection, or a new one. Concurrent callers share one attempt. */
  async connect(): Promise<IpcConnection> {
    if (this.closed) {
      throw new IpcConnectionClosedError(
        `the IPC client for ${this.options.host}:${this.options.port} was closed`,
        { retriable: false },
      );
    }
    if (this.connection?.isOpen) return this.connection;
    if (!this.connecting) {
      this.connecting = IpcConnection.open({ ...this.options, auth: this.options.auth() })
        .then((connection) => {
          this.connection = connection;
          connection.onClose(() => {
            if (this.connection === connection) this.connection = undefined;
          });
          if (this.closed) connection.close();
          return connection;
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  /** True while a connection is open (tests and diagnostics). */
  get connected(): boolean {
    return this.connection?.isOpen ?? false;
  }

  close(): void {
    this.closed = true;
    this.clearIdleTimer();
    this.connection?.close();
    this.connection = undefined;
  }

  private armIdleTimer(): void {
    const maxIdleMs = this.options.maxIdleMs ?? 0;
    if (maxIdleMs <= 0 || this.inFlight > 0 || !this.connection) return;
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.inFlight === 0 && this.connection) {
        const idle = this.connection;
        this.connection = undefined;
        idle.close();
      }
    }, maxIdleMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
