import { Config } from '../../../conf/registry.js';
import type { SparkConf } from '../../../conf/spark-conf.js';
import { ConfigError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import {
  BROADCAST_BLOCK_PREFIX,
  BroadcastPieceStore,
  BroadcastPieceTracker,
  DRIVER_HOLDER,
  splitIntoPieces,
} from '../../broadcast-pieces/index.js';
import { BlockServer } from '../../shuffle/remote/index.js';
import type { BlockAddress } from '../../executor/task-result.js';
import { Msg, type BroadcastInfo } from '../../../executor/protocol.js';

/**
 * The driver's half of broadcasting in pieces: a block server of its own
 * (beside the driver endpoint, same bind address and advertised host,
 * authenticated with the application secret like executors' block servers)
 * serving every piece of every live broadcast, and the record of which
 * executors hold which pieces. The value itself never crosses the driver
 * endpoint: an executor gets a BroadcastInfo and fetches the pieces.
 */

export interface BroadcastPieceSettings {
  /** spark.broadcast.blockSize */
  blockSize: number;
  /** spark.broadcast.checksum */
  checksum: boolean;
  /** spark.driver.blockManager.port (falls back to spark.blockManager.port); 0 = any free port. */
  blockManagerPort: number;
}

export const DEFAULT_BROADCAST_PIECE_SETTINGS: BroadcastPieceSettings = {
  blockSize: 4 * 1024 * 1024,
  checksum: true,
  blockManagerPort: 0,
};

export function broadcastPieceSettings(conf: SparkConf): BroadcastPieceSettings {
  const blockSize = conf.require(Config.BROADCAST_BLOCK_SIZE);
  if (blockSize < 1) {
    throw new ConfigError(
      'INVALID_CONFIG_VALUE',
      `${Config.BROADCAST_BLOCK_SIZE.key} is ${blockSize} bytes; a broadcast piece needs at least 1 byte (the default is 4m)`,
    );
  }
  return {
    blockSize,
    checksum: conf.require(Config.BROADCAST_CHECKSUM),
    blockManagerPort: conf.getEntry(Config.DRIVER_BLOCK_MANAGER_PORT) ?? conf.require(Config.BLOCK_MANAGER_PORT),
  };
}

export interface DriverBroadcastsOptions extends BroadcastPieceSettings {
  bindAddress: string;
  advertisedHost: string;
  secret: Uint8Array;
  logger: Logger;
  maxFrameBytes?: number;
}

export class DriverBroadcasts {
  private server: BlockServer | undefined;
  private readonly store = new BroadcastPieceStore();
  private readonly tracker = new BroadcastPieceTracker();

  constructor(private readonly options: DriverBroadcastsOptions) {}

  /** Starts the driver's block server. */
  async start(): Promise<void> {
    const o = this.options;
    const server = await BlockServer.start({
      bindAddress: o.bindAddress,
      advertisedHost: o.advertisedHost,
      port: o.blockManagerPort,
      secret: o.secret,
      logger: o.logger,
      executorId: DRIVER_HOLDER,
      ...(o.maxFrameBytes === undefined ? {} : { maxFrameBytes: o.maxFrameBytes }),
    });
    server.registerBlockSource(BROADCAST_BLOCK_PREFIX, this.store);
    this.server = server;
  }

  /** Where executors fetch pieces from the driver; defined after start(). */
  get address(): BlockAddress | undefined {
    return this.server?.address;
  }

  /** Cuts the value's bytes into pieces and serves them. */
  register(id: number, bytes: Buffer): void {
    const { manifest, pieces } = splitIntoPieces(id, bytes, this.options.blockSize, this.options.checksum);
    this.store.drop(id);
    pieces.forEach((p, i) => this.store.put(id, i, p));
    this.tracker.register(manifest);
    this.options.logger.debug(
      { broadcastId: id, bytes: bytes.length, pieces: pieces.length },
      `Broadcast ${id}: ${bytes.length} bytes in ${pieces.length} piece(s) of at most ${this.options.blockSize} bytes`,
    );
  }

  /**
   * The message that lets an executor fetch broadcast `id`, or undefined when
   * the broadcast is unknown (destroyed) or the block server is not up.
   */
  info(id: number, addressOf: (executorId: string) => BlockAddress | undefined): BroadcastInfo | undefined {
    const manifest = this.tracker.manifest(id);
    const address = this.address;
    if (!manifest || !address) return undefined;
    const locations = this.tracker.locations(id, { id: DRIVER_HOLDER, ...address }, addressOf)!;
    return { type: Msg.BROADCAST_INFO, ...manifest, ...locations };
  }

  /** An executor verified these pieces and serves them now. */
  piecesHeld(id: number, executorId: string, pieces: readonly number[]): void {
    this.tracker.addHolder(id, executorId, pieces);
  }

  /** Executors drop their copies; the driver keeps its pieces to serve them again. */
  unpersist(id: number): void {
    this.tracker.forgetExecutorCopies(id);
  }

  /** Every copy goes. */
  destroy(id: number): void {
    this.tracker.remove(id);
    this.store.drop(id);
  }

  executorLost(executorId: string): void {
    this.tracker.removeExecutor(executorId);
  }

  /** Executors holding each piece of a broadcast, for tests and diagnostics. */
  holders(id: number): string[][] {
    return this.tracker.holdersOf(id);
  }

  /**
   * The driver's own copy of a piece, for tests: overwriting its bytes in
   * place simulates a holder whose copy went bad.
   */
  driverPiece(id: number, piece: number): Buffer | undefined {
    return this.store.get(id, piece);
  }

  /** Pieces the driver's block server has served. */
  get piecesServed(): number {
    return this.store.stats.served;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}
