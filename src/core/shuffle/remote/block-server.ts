import { open } from 'node:fs/promises';
import type { Logger } from '../../../log.js';
import type { RpcMessage } from '../../../rpc/codec/app-frame.js';
import { RpcReply } from '../../../rpc/rpc-connection.js';
import { RpcServer } from '../../../rpc/rpc-server.js';
import type { BlockAddress } from '../../executor/task-result.js';
import { readIndexRange, ShuffleBlockError } from '../local-block.js';
import type { ShuffleFileResolver } from './file-resolver.js';
import type { BlockSource } from './block-source.js';
import { BlockNotFoundError, BlockReadError, BlockRequestError } from './errors.js';
import {
  BlockMsg,
  blockIdPrefix,
  MAX_BLOCK_ID_LENGTH,
  MAX_CHUNK_BYTES,
  type BlockChunk,
  type FetchBlockChunk,
  type FetchShuffleChunk,
  type ShuffleChunk,
} from './protocol.js';

/**
 * An executor's block server (the serving half of Spark's BlockManager):
 * serves ranges of the shuffle blocks its tasks wrote to reducers on other
 * executors, and any other block by id from the BlockSource registered for
 * the id's prefix (cached partitions, task results, broadcast pieces), over
 * the authenticated RPC layer (a peer without the application secret is
 * refused during the handshake, before any request reaches a handler). Each
 * response is one bounded chunk read for that request, so the server holds no
 * more than the chunks in flight; the fetching side decides how many that is.
 */

export interface ShuffleBlockServerOptions {
  /** Address to listen on: the executor's host. */
  bindAddress: string;
  /** The host reducers dial (the executor's host name). */
  advertisedHost: string;
  /** spark.blockManager.port: 0 = an ephemeral port. */
  port: number;
  secret: string | Uint8Array;
  /** Where this executor's map outputs are; without one, shuffle requests find nothing. */
  resolver?: ShuffleFileResolver;
  logger: Logger;
  /** Which executor this is, for logs and errors. */
  executorId: string;
  maxFrameBytes?: number;
  portMaxRetries?: number;
}

/** Prefixes are a lower-case word and `_`: `rdd_`, `taskresult_`, `broadcast_`. */
const PREFIX = /^[a-z]+_$/;
/** Block ids: a prefix, then letters, digits and `_` (no path characters). */
const BLOCK_ID = /^[a-z]+_[A-Za-z0-9_]+$/;

export class ShuffleBlockServer {
  private chunksServed = 0;
  private bytesServed = 0;
  private readonly sources = new Map<string, BlockSource>();

  private constructor(
    private readonly server: RpcServer,
    private readonly options: ShuffleBlockServerOptions,
  ) {}

  static async start(options: ShuffleBlockServerOptions): Promise<ShuffleBlockServer> {
    const log = options.logger.child({ component: 'block-server', executorId: options.executorId });
    const server = await RpcServer.listen({
      bindAddress: options.bindAddress,
      advertisedHost: options.advertisedHost,
      port: options.port,
      secret: options.secret,
      logger: log,
      name: `block server of executor ${options.executorId}`,
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      ...(options.portMaxRetries === undefined ? {} : { portMaxRetries: options.portMaxRetries }),
    });
    const s = new ShuffleBlockServer(server, options);
    server.on('authFailed', (err, peer) =>
      log.warn({ peer }, `refused a connection to the block server from ${peer}: ${err.message}`),
    );
    server.handle(BlockMsg.FETCH_SHUFFLE_CHUNK, (m) => s.fetchChunk(m));
    server.handle(BlockMsg.FETCH_BLOCK_CHUNK, (m) => s.fetchBlockChunk(m));
    log.info(
      { host: server.address.host, port: server.address.port },
      `Block server of executor ${options.executorId} listening on ${options.bindAddress}:${server.address.port}`,
    );
    return s;
  }

  /** Where reducers reach this server. */
  get address(): BlockAddress {
    return this.server.address;
  }

  /** Chunks and bytes served so far, for metrics and tests. */
  get served(): { chunks: number; bytes: number } {
    return { chunks: this.chunksServed, bytes: this.bytesServed };
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /**
   * Serves blocks whose id starts with `prefix` (the id up to and including
   * its first `_`, e.g. `rdd_`) from `source`. A later registration of the
   * same prefix replaces the earlier one.
   */
  registerBlockSource(prefix: string, source: BlockSource): this {
    if (!PREFIX.test(prefix)) {
      throw new BlockRequestError(`a block source prefix is a lower-case word followed by "_" (got "${prefix}")`);
    }
    this.sources.set(prefix, source);
    return this;
  }

  private async fetchBlockChunk(m: RpcMessage): Promise<RpcReply> {
    const req = validateBlockRequest(m);
    const where = `executor ${this.options.executorId}`;
    const source = this.sources.get(blockIdPrefix(req.blockId) ?? '');
    const handle = source ? await source.open(req.blockId) : undefined;
    if (!handle) throw new BlockNotFoundError(req.blockId, where);
    const blockLength = handle.length;
    if (req.offset > blockLength) {
      throw new BlockRequestError(
        `offset ${req.offset} is past the end of block ${req.blockId} (${blockLength} bytes)`,
        req.blockId,
      );
    }
    const n = Math.min(req.maxBytes, blockLength - req.offset);
    let body: Buffer;
    try {
      body = n > 0 ? await handle.read(req.offset, n) : Buffer.alloc(0);
    } catch (e) {
      throw new BlockReadError(`${where} could not read block ${req.blockId}: ${(e as Error).message}`, req.blockId, e);
    }
    if (body.length !== n) {
      throw new BlockReadError(
        `${where} read ${body.length} bytes of block ${req.blockId} at offset ${req.offset} instead of ${n}`,
        req.blockId,
      );
    }
    this.chunksServed++;
    this.bytesServed += n;
    const reply: BlockChunk = { type: BlockMsg.BLOCK_CHUNK, blockLength, offset: req.offset };
    return new RpcReply(reply, body);
  }

  private async fetchChunk(m: RpcMessage): Promise<RpcReply> {
    const req = validate(m);
    const block = `shuffle ${req.shuffleId} map ${req.mapId} reduce ${req.reduceId}`;
    const context = { shuffleId: req.shuffleId, mapId: req.mapId, reduceId: req.reduceId };
    const paths = await this.options.resolver?.resolve(req.shuffleId, req.mapId);
    if (!paths) {
      throw new ShuffleBlockError(
        `executor ${this.options.executorId} has no map output for ${block} (its files are gone)`,
        context,
      );
    }
    const { start, end } = await readIndexRange(paths.indexPath, req.reduceId);
    const blockLength = end - start;
    if (req.offset > blockLength) {
      throw new ShuffleBlockError(
        `offset ${req.offset} is past the end of ${block} (${blockLength} bytes)`,
        context,
      );
    }
    const n = Math.min(req.maxBytes, blockLength - req.offset);
    const body = Buffer.allocUnsafe(n);
    if (n > 0) {
      let handle;
      try {
        handle = await open(paths.dataPath, 'r');
      } catch (e) {
        throw new ShuffleBlockError(`the data file of ${block} cannot be opened`, context, e);
      }
      try {
        let read = 0;
        while (read < n) {
          const { bytesRead } = await handle.read(body, read, n - read, start + req.offset + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        if (read < n) {
          throw new ShuffleBlockError(
            `the data file of ${block} is shorter than its index says (${req.offset + read} of ${blockLength} bytes)`,
            context,
          );
        }
      } finally {
        await handle.close();
      }
    }
    this.chunksServed++;
    this.bytesServed += n;
    const reply: ShuffleChunk = { type: BlockMsg.SHUFFLE_CHUNK, blockLength, offset: req.offset };
    return new RpcReply(reply, body);
  }
}

function validate(m: RpcMessage): FetchShuffleChunk {
  const req = m as Partial<FetchShuffleChunk>;
  const ints = [req.shuffleId, req.mapId, req.reduceId, req.offset, req.maxBytes];
  if (!ints.every((v) => Number.isSafeInteger(v) && (v as number) >= 0) || req.maxBytes! < 1) {
    throw new ShuffleBlockError(
      'malformed FetchShuffleChunk request: ids, offset and maxBytes must be non-negative integers',
      {},
    );
  }
  if (req.maxBytes! > MAX_CHUNK_BYTES) {
    throw new ShuffleBlockError(
      `FetchShuffleChunk asks for ${req.maxBytes} bytes; a chunk is at most ${MAX_CHUNK_BYTES}`,
      {},
    );
  }
  return req as FetchShuffleChunk;
}

function validateBlockRequest(m: RpcMessage): FetchBlockChunk {
  const req = m as Partial<FetchBlockChunk>;
  const id = typeof req.blockId === 'string' ? req.blockId : undefined;
  if (id === undefined || id.length > MAX_BLOCK_ID_LENGTH || !BLOCK_ID.test(id)) {
    throw new BlockRequestError(
      `malformed FetchBlockChunk request: the block id must be a prefix such as "rdd_" followed by letters, digits and "_" (got ${JSON.stringify(String(req.blockId)).slice(0, 80)})`,
    );
  }
  const ints = [req.offset, req.maxBytes];
  if (!ints.every((v) => Number.isSafeInteger(v) && (v as number) >= 0) || req.maxBytes! < 1) {
    throw new BlockRequestError(
      `malformed FetchBlockChunk request for ${id}: offset and maxBytes must be non-negative integers, maxBytes at least 1`,
      id,
    );
  }
  if (req.maxBytes! > MAX_CHUNK_BYTES) {
    throw new BlockRequestError(
      `FetchBlockChunk asks for ${req.maxBytes} bytes of ${id}; a chunk is at most ${MAX_CHUNK_BYTES}`,
      id,
    );
  }
  return req as FetchBlockChunk;
}

/** The same server under the name of what it now is: every block of an executor, not only shuffle ranges. */
export { ShuffleBlockServer as BlockServer };
export type { ShuffleBlockServerOptions as BlockServerOptions };
