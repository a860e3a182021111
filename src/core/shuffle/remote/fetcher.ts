import type { BlockAddress, FetchFailure } from '../../executor/task-result.js';
import type { FetchedChunk } from './block-client.js';
import { FetchFailedError } from './errors.js';
import type { ChunkRequest } from './protocol.js';

/**
 * The reduce side of a remote shuffle read (Spark's
 * ShuffleBlockFetcherIterator): one byte stream per remote block, in the
 * order the reader asked for them, filled by chunk requests to the blocks'
 * executors, several at once.
 *
 * Bytes in flight: every chunk requested and not yet handed to the reader
 * counts (requested, on the wire, or received and waiting), so memory held
 * here stays under `maxBytesInFlight` (spark.reducer.maxSizeInFlight).
 * Read-ahead issues chunks in block order while the budget allows. A reader
 * waiting on a block with nothing requested for it gets that block's next
 * chunk at once, over budget if need be: a merging reader needs the head of
 * every block before it can consume any, and must not wait for read-ahead
 * of other blocks to drain. So the bound is maxBytesInFlight plus at most one
 * chunk per block the reader is waiting on.
 *
 * A block's length is learnt from its first chunk; until then that chunk
 * reserves a full chunk of the budget.
 */

export interface RemoteBlock {
  shuffleId: number;
  mapId: number;
  reduceId: number;
  executorId: string;
  address: BlockAddress;
}

export type FetchChunk = (address: BlockAddress, request: ChunkRequest) => Promise<FetchedChunk>;

export interface FetcherOptions {
  maxBytesInFlight: number;
  chunkBytes: number;
  fetchChunk: FetchChunk;
  /** Observes the bytes in flight after every change (tests, metrics). */
  onBytesInFlight?: (bytes: number) => void;
}

/** 1 MiB: the size of local shuffle reads, and what a merging reader holds per block. */
export const DEFAULT_FETCH_CHUNK_BYTES = 1024 * 1024;

interface Chunk {
  offset: number;
  /** Budget held: the requested size until the response, then the bytes received. */
  reserved: number;
  bytes: Promise<Buffer>;
}

interface BlockState {
  block: RemoteBlock;
  /** Unknown until the first chunk's response. */
  length: number | undefined;
  /** Offset of the next chunk to request. */
  nextOffset: number;
  /** Requested and not yet consumed, in offset order. */
  chunks: Chunk[];
}

export class ShuffleBlockFetcher {
  private readonly states: BlockState[];
  private bytesInFlight = 0;
  private peakBytesInFlight = 0;
  private cursor = 0;
  private closed = false;

  constructor(
    blocks: readonly RemoteBlock[],
    private readonly options: FetcherOptions,
  ) {
    this.states = blocks.map((block) => ({ block, length: undefined, nextOffset: 0, chunks: [] }));
  }

  /** The highest bytes in flight so far. */
  get peak(): number {
    return this.peakBytesInFlight;
  }

  /** One stream per block, in the order given; start read-ahead. */
  streams(): AsyncIterable<Buffer>[] {
    const streams = this.states.map((s) => this.stream(s));
    this.pump();
    return streams;
  }

  /** No more requests; chunks already requested are dropped when they arrive. */
  close(): void {
    this.closed = true;
  }

  private async *stream(s: BlockState): AsyncGenerator<Buffer> {
    for (;;) {
      if (s.chunks.length === 0) {
        if (s.length !== undefined && s.nextOffset >= s.length) return;
        // the reader waits on this block: ask for its next chunk now, over budget if need be
        this.issue(s);
      }
      const chunk = s.chunks[0]!;
      let bytes: Buffer;
      try {
        bytes = await chunk.bytes;
      } finally {
        s.chunks.shift();
        this.release(chunk.reserved);
      }
      this.pump();
      if (bytes.length > 0) yield bytes;
    }
  }

  /** Read-ahead: request chunks in block order while the budget allows. */
  private pump(): void {
    if (this.closed) return;
    const max = this.options.maxBytesInFlight;
    for (let i = this.cursor; i < this.states.length; i++) {
      const s = this.states[i]!;
      if (s.length !== undefined && s.nextOffset >= s.length) {
        if (i === this.cursor) this.cursor++;
        continue;
      }
      // the rest of this block waits for its length (its first chunk is on the way)
      if (s.length === undefined && s.nextOffset > 0) continue;
      const size = this.nextChunkSize(s);
      if (this.bytesInFlight > 0 && this.bytesInFlight + size > max) return;
      this.issue(s);
      i--; // the same block may have more chunks to request
    }
  }

  private nextChunkSize(s: BlockState): number {
    const chunk = this.options.chunkBytes;
    return s.length === undefined ? chunk : Math.min(chunk, s.length - s.nextOffset);
  }

  private issue(s: BlockState): void {
    const offset = s.nextOffset;
    const maxBytes = this.nextChunkSize(s);
    const chunk: Chunk = { offset, reserved: maxBytes, bytes: Promise.resolve(Buffer.alloc(0)) };
    s.nextOffset += maxBytes;
    this.reserve(maxBytes);
    const { block } = s;
    chunk.bytes = this.options
      .fetchChunk(block.address, {
        shuffleId: block.shuffleId,
        mapId: block.mapId,
        reduceId: block.reduceId,
        offset,
        maxBytes,
      })
      .then(
        (r) => {
          if (s.length === undefined) {
            s.length = r.blockLength;
            s.nextOffset = Math.min(s.nextOffset, s.length);
          } else if (r.blockLength !== s.length) {
            throw this.failed(
              block,
              `the block changed length while being read (${s.length} then ${r.blockLength} bytes)`,
            );
          }
          const expected = Math.min(maxBytes, s.length - offset);
          if (r.body.length !== expected) {
            throw this.failed(
              block,
              `a chunk at offset ${offset} came back with ${r.body.length} bytes instead of ${expected}`,
            );
          }
          this.release(maxBytes - r.body.length);
          chunk.reserved = r.body.length;
          this.pump();
          return r.body;
        },
        (e: unknown) => {
          throw e instanceof FetchFailedError ? e : this.failed(block, (e as Error).message, e);
        },
      );
    // a read-ahead chunk the reader never reaches must not become an unhandled rejection
    chunk.bytes.catch(() => undefined);
    s.chunks.push(chunk);
  }

  private failed(block: RemoteBlock, reason: string, cause?: unknown): FetchFailedError {
    const failure: FetchFailure = {
      shuffleId: block.shuffleId,
      mapId: block.mapId,
      reduceId: block.reduceId,
      executorId: block.executorId,
      blockAddress: block.address,
    };
    return new FetchFailedError(failure, reason, cause);
  }

  private reserve(n: number): void {
    this.bytesInFlight += n;
    if (this.bytesInFlight > this.peakBytesInFlight) this.peakBytesInFlight = this.bytesInFlight;
    this.options.onBytesInFlight?.(this.bytesInFlight);
  }

  private release(n: number): void {
    this.bytesInFlight -= n;
    this.options.onBytesInFlight?.(this.bytesInFlight);
  }
}
