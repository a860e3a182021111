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
}

/**
 * An RpcChannel to one server that (re)connects on demand: the first call
 * opens the connection, calls share it, and after the connection closes
 * (EOF, FATAL, idle drop by the server) the next call opens a new one. It
 * never retries a call by itself: a call that was in flight when the
 * connection died fails with a retriable error, and the caller decides
 * whether the method is safe to repeat.
 */
export class IpcClient implements RpcChannel {
  private connection: IpcConnection | undefined;
  private connecting: Promise<IpcConnection> | undefined;
  private closed = false;

  constructor(private readonly options: IpcClientOptions) {}

  async call(
    protocol: RpcProtocol,
    methodName: string,
    request: Uint8Array,
    options?: RpcCallOptions,
  ): Promise<Uint8Array> {
    const connection = await this.connect();
    return connection.call(protocol, methodName, request, options);
  }

  /** The open connection, or a new one. Concurrent callers share one attempt. */
  async connect(): Promise<IpcConnection> {
    if (this.closed) {
      throw new IpcConnectionClosedError(
        `the IPC client for ${this.options.host}:${this.options.port} was closed`,
        {
          retriable: false,
        },
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

  close(): void {
    this.closed = true;
    this.connection?.close();
    this.connection = undefined;
  }
}
