/**
 * A TFile value in chunk encoding (Hadoop `io.file.tfile.Chunk`):
 *
 *   VInt -n1 | n1 bytes | VInt -n2 | n2 bytes | ... | VInt m | m bytes
 *
 * A negative length means "n bytes follow, and more chunks after them"; the
 * first non-negative length (possibly 0) is the last chunk. Values written
 * with a known length are a single non-negative chunk. YARN writes every
 * value with unknown length, so a container's logs arrive as ~1 MiB chunks
 * (tfile.io.chunk.size) and a log file's bytes may straddle chunk borders.
 *
 * Reads are bounded: callers get at most what they ask for, never a whole value.
 */
import type { SequentialReader } from './sequential-reader.js';

export class ChunkedValueReader {
  private remainInChunk = 0;
  private lastChunk = false;
  private consumed = 0;
  private chunkHeaders = 0;

  constructor(private readonly input: SequentialReader) {}

  /** Bytes of the value consumed so far. */
  get position(): number {
    return this.consumed;
  }

  /** Chunk headers read so far (a value written in one piece has one). */
  get chunks(): number {
    return this.chunkHeaders;
  }

  /** True when the value has no more bytes; reads chunk headers as needed. */
  async atEnd(): Promise<boolean> {
    while (this.remainInChunk === 0) {
      if (this.lastChunk) return true;
      const len = await this.input.readVLong();
      this.chunkHeaders++;
      if (len >= 0) {
        this.lastChunk = true;
        this.remainInChunk = len;
      } else {
        this.remainInChunk = -len;
      }
    }
    return false;
  }

  /** Up to `max` bytes (at least one), or null at the end of the value. */
  async readUpTo(max: number): Promise<Buffer | null> {
    if (await this.atEnd()) return null;
    const part = await this.input.readUpTo(Math.min(max, this.remainInChunk));
    if (part === null) return null; // unreachable: the input throws on a truncated chunk below
    this.remainInChunk -= part.length;
    this.consumed += part.length;
    return part;
  }

  /** Exactly `n` bytes, across chunk borders; null if the value ends before the first byte. */
  async readExact(n: number): Promise<Buffer | null> {
    if (n === 0) return Buffer.alloc(0);
    if (await this.atEnd()) return null;
    if (this.remainInChunk >= n) {
      const bytes = await this.input.readExact(n);
      this.remainInChunk -= n;
      this.consumed += n;
      return bytes;
    }
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const part = await this.readUpTo(n - have);
      if (part === null) throw new ValueEndedError(n, have);
      parts.push(Buffer.from(part));
      have += part.length;
    }
    return Buffer.concat(parts, n);
  }

  /** Drops up to `n` bytes; returns how many were dropped (fewer only at the end of the value). */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0 && !(await this.atEnd())) {
      const step = Math.min(left, this.remainInChunk);
      await this.input.skip(step);
      this.remainInChunk -= step;
      this.consumed += step;
      left -= step;
    }
    return n - left;
  }

  /** Consumes the rest of the value, so the next record can be read. */
  async drain(): Promise<void> {
    while (!(await this.atEnd())) await this.skip(this.remainInChunk);
  }
}

/** The value ended inside a structure that promised more bytes. */
export class ValueEndedError extends Error {
  constructor(
    readonly wanted: number,
    readonly got: number,
  ) {
    super(`value ended after ${got} of ${wanted} bytes`);
  }
}
