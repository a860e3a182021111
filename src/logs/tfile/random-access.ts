/**
 * Where an aggregated-log file's bytes come from: a local file, or HDFS
 * through WebHDFS OPEN with offset/length. The TFile reader only ever asks for
 * bounded ranges, so neither needs the whole file in memory.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface RandomAccessSource {
  /** File length in bytes. */
  readonly size: number;
  /** Exactly `length` bytes at `offset` (fewer only at end of file). */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * Optional: the range `[offset, offset + length)` as a sequence of pieces,
   * for transports where one request per range is much cheaper than one per
   * window (WebHDFS: one OPEN instead of hundreds). Consumers pull at their
   * own pace; breaking out of the loop must release the transfer.
   */
  stream?(offset: number, length: number): AsyncIterable<Buffer>;
  close?(): Promise<void>;
}

/** Window size for sources without `stream`, and the largest piece we hold at once. */
export const DEFAULT_WINDOW_BYTES = 256 * 1024;

/** Reads `[offset, offset + length)` as pieces of at most `window` bytes, through `stream` when the source has it. */
export async function* readRange(
  source: RandomAccessSource,
  offset: number,
  length: number,
  window = DEFAULT_WINDOW_BYTES,
): AsyncGenerator<Buffer> {
  if (length <= 0) return;
  if (source.stream) {
    for await (const piece of source.stream(offset, length)) {
      // Re-slice large pieces so no consumer ever holds more than a window.
      for (let at = 0; at < piece.length; at += window)
        yield piece.subarray(at, Math.min(piece.length, at + window));
    }
    return;
  }
  let position = offset;
  const end = offset + length;
  while (position < end) {
    const piece = await source.read(position, Math.min(window, end - position));
    if (piece.length === 0) return; // end of file: the caller notices the short range
    position += piece.length;
    yield piece;
  }
}

/** A local file; reads are positional, so several readers may share one handle. */
export class LocalFileSource implements RandomAccessSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<LocalFileSource> {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      return new LocalFileSource(handle, stat.size);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.size - offset));
    const buffer = Buffer.alloc(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await this.handle.read(buffer, filled, want - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === want ? buffer : buffer.subarray(0, filled);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** An in-memory file (tests, small files already fetched). */
export class BufferSource implements RandomAccessSource {
  constructor(private readonly bytes: Buffer) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Buffer> {
    return this.bytes.subarray(offset, Math.min(this.bytes.length, offset + length));
  }
}
