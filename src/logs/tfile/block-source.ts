/**
 * One BCFile block as a stream of (decompressed) pieces.
 *
 * - `none`: the bytes at [offset, offset + compressedSize) as they are.
 *   Skips far ahead restart the range read instead of transferring the bytes.
 * - `gz`: Hadoop's TFile "gz" is DefaultCodec, i.e. a zlib stream (RFC 1950),
 *   one per block, finished when the block is closed. `createUnzip` also
 *   accepts a gzip header, in case a writer used one.
 * - `lzo` needs a native codec and is refused.
 *
 * A block's rawSize is not trusted for the end of a block: the writer takes
 * it from DataOutputStream.size(), an int that stops at 2^31-1, so a block
 * holding one container's multi-gigabyte logs misreports it. The record counts
 * of TFile.index say where a block ends.
 */
import { pipeline, Readable } from 'node:stream';
import { createUnzip } from 'node:zlib';
import { LogFileFormatError } from '../errors.js';
import { readRange, DEFAULT_WINDOW_BYTES, type RandomAccessSource } from './random-access.js';
import type { PieceSource } from './sequential-reader.js';

export interface BlockRegion {
  offset: number;
  compressedSize: number;
  rawSize: number;
}

export type CompressionName = 'none' | 'gz';

export function checkCompression(name: string, where: string): CompressionName {
  if (name === 'none' || name === 'gz') return name;
  if (name === 'lzo') {
    throw new LogFileFormatError(
      `${where} is LZO-compressed, which needs Hadoop's native codec; set yarn.nodemanager.log-aggregation.compression-type to gz or none for new applications, or read this one with \`yarn logs\``,
    );
  }
  throw new LogFileFormatError(`${where} uses unknown compression '${name}'`);
}

/** Skips shorter than this are served by reading: restarting a remote range read costs more. */
const RESTART_SKIP_THRESHOLD = 256 * 1024;

export function openBlock(
  source: RandomAccessSource,
  region: BlockRegion,
  compression: CompressionName,
  window = DEFAULT_WINDOW_BYTES,
): PieceSource {
  if (region.offset < 0 || region.compressedSize < 0 || region.offset + region.compressedSize > source.size) {
    throw new LogFileFormatError(
      `block at offset ${region.offset} (${region.compressedSize} bytes) lies outside the file (${source.size} bytes)`,
    );
  }
  return compression === 'none'
    ? new PlainBlock(source, region, window)
    : new ZlibBlock(source, region, window);
}

class PlainBlock implements PieceSource {
  private position: number;
  private readonly end: number;
  private pieces: AsyncGenerator<Buffer> | undefined;

  constructor(
    private readonly source: RandomAccessSource,
    region: BlockRegion,
    private readonly window: number,
  ) {
    this.position = region.offset;
    this.end = region.offset + region.compressedSize;
  }

  async next(): Promise<Buffer | null> {
    if (this.position >= this.end) return null;
    this.pieces ??= readRange(this.source, this.position, this.end - this.position, this.window);
    const r = await this.pieces.next();
    if (r.done) {
      throw new LogFileFormatError(
        `file ended inside a block at offset ${this.position} (expected data up to ${this.end})`,
      );
    }
    this.position += r.value.length;
    return r.value;
  }

  async skip(n: number): Promise<number> {
    // Cheap for positional sources (no transfer in flight); for streamed ones only worth a new request when far.
    if (this.pieces && this.source.stream && n < RESTART_SKIP_THRESHOLD) return 0;
    const dropped = Math.min(n, this.end - this.position);
    await this.pieces?.return(undefined);
    this.pieces = undefined;
    this.position += dropped;
    return dropped;
  }

  async close(): Promise<void> {
    await this.pieces?.return(undefined);
    this.pieces = undefined;
    this.position = this.end;
  }
}

class ZlibBlock implements PieceSource {
  private readonly inflated: AsyncIterator<Buffer>;
  private readonly unzip;
  private done = false;

  constructor(source: RandomAccessSource, region: BlockRegion, window: number) {
    const raw = Readable.from(readRange(source, region.offset, region.compressedSize, window), {
      objectMode: false,
      highWaterMark: window,
    });
    this.unzip = createUnzip({ chunkSize: 64 * 1024 });
    // Errors of either side surface through the iterator below.
    pipeline(raw, this.unzip, () => undefined);
    this.inflated = this.unzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async next(): Promise<Buffer | null> {
    if (this.done) return null;
    try {
      const r = await this.inflated.next();
      if (r.done) {
        this.done = true;
        return null;
      }
      return r.value;
    } catch (e) {
      this.done = true;
      throw new LogFileFormatError(`cannot inflate a gz block: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.inflated.return?.();
    }
    this.unzip.destroy();
  }
}
