import net from 'node:net';
import type { Logger } from '../../../log.js';
import { RpcClient } from '../../../rpc/rpc-client.js';
import type { RpcConnection } from '../../../rpc/rpc-connection.js';
import type { BlockAddress } from '../../executor/task-result.js';
import { BlockMsg, type ChunkRequest, type FetchShuffleChunk, type ShuffleChunk } from './protocol.js';

/**
 * Authenticated connections to other executors' block servers, one per
 * address, shared by every fetch of this thread (requests are multiplexed on
 * it). A connection that closes is forgotten; the next fetch dials again.
 *
 * Sockets are unref'd: an idle connection must not keep a task thread alive
 * once it is told to stop. While a fetch waits, the thread is kept alive by
 * its message port, not by the socket.
 */

export interface BlockClientOptions {
  secret: string | Uint8Array;
  logger: Logger;
  maxFrameBytes?: number;
  /** Per chunk request (spark.network.timeout). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** TCP connect attempts per dial (a gone executor refuses at once; a few tries cover a busy one). */
  connectAttempts?: number;
}

export interface FetchedChunk {
  blockLength: number;
  body: Buffer;
}

export const DEFAULT_CONNECT_ATTEMPTS = 3;

export class BlockClientPool {
  private readonly connections = new Map<string, Promise<RpcConnection>>();
  private closed = false;

  constructor(private readonly options: BlockClientOptions) {}

  async fetchChunk(address: BlockAddress, request: ChunkRequest): Promise<FetchedChunk> {
    const connection = await this.connection(address);
    const message: FetchShuffleChunk = { type: BlockMsg.FETCH_SHUFFLE_CHUNK, ...request };
    const response = await connection.request(message, {
      ...(this.options.requestTimeoutMs === undefined ? {} : { timeoutMs: this.options.requestTimeoutMs }),
    });
    const reply = response.message as Partial<ShuffleChunk>;
    if (reply.type !== BlockMsg.SHUFFLE_CHUNK || !Number.isSafeInteger(reply.blockLength)) {
      throw new Error(
        `block server at ${address.host}:${address.port} answered ${String(reply.type)} to FetchShuffleChunk`,
      );
    }
    return { blockLength: reply.blockLength!, body: response.body };
  }

  /** Connections open now, for tests. */
  get size(): number {
    return this.connections.size;
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values())
      c.then(
        (conn) => conn.close('closed: fetches are over'),
        () => undefined,
      );
    this.connections.clear();
  }

  private connection(address: BlockAddress): Promise<RpcConnection> {
    if (this.closed) return Promise.reject(new Error('the block client pool is closed'));
    const key = `${address.host}:${address.port}`;
    let c = this.connections.get(key);
    if (!c) {
      c = RpcClient.connect(address.host, address.port, this.options.secret, {
        logger: this.options.logger,
        peerName: 'block server',
        attempts: this.options.connectAttempts ?? DEFAULT_CONNECT_ATTEMPTS,
        backoff: { baseMs: 50, maxMs: 500 },
        ...(this.options.connectTimeoutMs === undefined
          ? {}
          : { connectTimeoutMs: this.options.connectTimeoutMs }),
        ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
        ...(this.options.requestTimeoutMs === undefined
          ? {}
          : { requestTimeoutMs: this.options.requestTimeoutMs }),
        socketFactory: (host, port) => net.connect({ host, port }).unref(),
      });
      this.connections.set(key, c);
      const forget = (): void => {
        if (this.connections.get(key) === c) this.connections.delete(key);
      };
      c.then((conn) => conn.once('closed', forget), forget);
    }
    return c;
  }
}
