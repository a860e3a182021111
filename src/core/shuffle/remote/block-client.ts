import net from 'node:net';
import type { Logger } from '../../../log.js';
import { RpcClient } from '../../../rpc/rpc-client.js';
import type { RpcConnection, RpcResponse } from '../../../rpc/rpc-connection.js';
import type { RpcMessage } from '../../../rpc/codec/app-frame.js';
import { RpcConnectionClosedError, RpcRemoteError, RpcTimeoutError } from '../../../rpc/errors.js';
import type { BlockAddress } from '../../executor/task-result.js';
import { BlockFetchError, BlockNotFoundError, BlockUnreachableError } from './errors.js';
import {
  BlockMsg,
  MAX_CHUNK_BYTES,
  type BlockChunk,
  type ChunkRequest,
  type FetchBlockChunk,
  type FetchShuffleChunk,
  type ShuffleChunk,
} from './protocol.js';

/**
 * Authenticated connections to other executors' block servers, one per
 * address, shared by every fetch of this thread (requests are multiplexed on
 * it). A connection that closes is forgotten; the next fetch dials again.
 *
 * Sockets are unref'd: an idle connection must not keep a task thread alive
 * once it is told to stop. While a fetch waits, the thread is kept alive by
 * its message port, not by the socket.
 *
 * A chunk request that fails in transport on an open connection (closed,
 * timed out) is retried once on a fresh connection; dialling has its own
 * attempts (connectAttempts). An error the server answered with (no such
 * block, a bad request) is not retried.
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
/** Chunk size of fetchBlock: 1 MiB, as for shuffle ranges. */
export const DEFAULT_BLOCK_CHUNK_BYTES = 1024 * 1024;

export interface FetchBlockOptions {
  /** Bytes per chunk request (default 1 MiB, at most MAX_CHUNK_BYTES). */
  chunkBytes?: number;
}

export class BlockClientPool {
  private readonly connections = new Map<string, Promise<RpcConnection>>();
  /** The connection each pooled promise resolved to. */
  private readonly opened = new Map<string, RpcConnection>();
  private closed = false;

  constructor(private readonly options: BlockClientOptions) {}

  async fetchChunk(address: BlockAddress, request: ChunkRequest): Promise<FetchedChunk> {
    const message: FetchShuffleChunk = { type: BlockMsg.FETCH_SHUFFLE_CHUNK, ...request };
    const response = await this.request(address, message);
    const reply = response.message as Partial<ShuffleChunk>;
    if (reply.type !== BlockMsg.SHUFFLE_CHUNK || !Number.isSafeInteger(reply.blockLength)) {
      throw new Error(
        `block server at ${address.host}:${address.port} answered ${String(reply.type)} to FetchShuffleChunk`,
      );
    }
    return { blockLength: reply.blockLength!, body: response.body };
  }

  /**
   * A whole block by id (`rdd_3_0`, `taskresult_17`, `broadcast_2_piece0`),
   * pulled as a series of chunk requests. Rejects with BlockNotFoundError
   * when the server does not hold it, BlockUnreachableError when the server
   * cannot be reached or stops answering, BlockFetchError otherwise.
   */
  async fetchBlock(address: BlockAddress, blockId: string, options: FetchBlockOptions = {}): Promise<Buffer> {
    const chunkBytes = Math.max(1, Math.min(MAX_CHUNK_BYTES, Math.floor(options.chunkBytes ?? DEFAULT_BLOCK_CHUNK_BYTES)));
    const first = await this.blockChunk(address, blockId, 0, chunkBytes);
    const length = first.blockLength;
    if (first.body.length !== Math.min(chunkBytes, length)) {
      throw new BlockFetchError(blockId, address, `the first chunk has ${first.body.length} bytes of ${length}`);
    }
    if (first.body.length === length) return first.body;
    const out = Buffer.allocUnsafe(length);
    first.body.copy(out, 0);
    let offset = first.body.length;
    while (offset < length) {
      const want = Math.min(chunkBytes, length - offset);
      const chunk = await this.blockChunk(address, blockId, offset, want);
      if (chunk.blockLength !== length) {
        throw new BlockFetchError(blockId, address, `the block changed length while being read (${length} then ${chunk.blockLength} bytes)`);
      }
      if (chunk.body.length !== want) {
        throw new BlockFetchError(blockId, address, `a chunk at offset ${offset} came back with ${chunk.body.length} bytes instead of ${want}`);
      }
      chunk.body.copy(out, offset);
      offset += want;
    }
    return out;
  }

  private async blockChunk(address: BlockAddress, blockId: string, offset: number, maxBytes: number): Promise<FetchedChunk> {
    const message: FetchBlockChunk = { type: BlockMsg.FETCH_BLOCK_CHUNK, blockId, offset, maxBytes };
    let response: RpcResponse;
    try {
      response = await this.request(address, message);
    } catch (e) {
      if (e instanceof RpcRemoteError) {
        if (e.remoteCode === 'BLOCK_NOT_FOUND') throw new BlockNotFoundError(blockId, 'the block server', address);
        throw new BlockFetchError(blockId, address, e.message, e);
      }
      throw new BlockUnreachableError(blockId, address, e);
    }
    const reply = response.message as Partial<BlockChunk>;
    if (reply.type !== BlockMsg.BLOCK_CHUNK || !Number.isSafeInteger(reply.blockLength) || reply.blockLength! < 0) {
      throw new BlockFetchError(blockId, address, `the server answered ${String(reply.type)} to FetchBlockChunk`);
    }
    return { blockLength: reply.blockLength!, body: response.body };
  }

  /**
   * One request on the address's shared connection; a transport failure
   * (closed, timeout, unreachable) is retried once on a fresh connection.
   */
  private async request(address: BlockAddress, message: RpcMessage): Promise<RpcResponse> {
    const options = this.options.requestTimeoutMs === undefined ? {} : { timeoutMs: this.options.requestTimeoutMs };
    let connection: RpcConnection | undefined;
    try {
      connection = await this.connection(address);
      return await connection.request(message, options);
    } catch (e) {
      // a failed dial was already retried (connectAttempts); an answer from the server is final
      const transport = e instanceof RpcConnectionClosedError || e instanceof RpcTimeoutError;
      if (!transport || this.closed || !connection) throw e;
      // the old connection is suspect (closed, or silent past the timeout): never reuse it
      this.forget(address, connection);
      const fresh = await this.connection(address);
      return await fresh.request(message, options);
    }
  }

  /** Drops the pooled connection to `address` if it is `connection`, and closes it. */
  private forget(address: BlockAddress, connection: RpcConnection | undefined): void {
    if (!connection) return; // the dial failed: the pool already forgot it
    const key = `${address.host}:${address.port}`;
    if (this.opened.get(key) === connection) {
      this.connections.delete(key);
      this.opened.delete(key);
    }
    if (connection.isOpen) connection.close('closed: a request on it failed; the next request dials again');
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
    this.opened.clear();
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
        if (this.connections.get(key) === c) {
          this.connections.delete(key);
          this.opened.delete(key);
        }
      };
      c.then((conn) => {
        if (this.connections.get(key) === c) this.opened.set(key, conn);
        conn.once('closed', forget);
      }, forget);
    }
    return c;
  }
}
