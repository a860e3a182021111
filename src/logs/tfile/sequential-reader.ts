/**
 * Pull-based sequential reading over a source of byte pieces: exact reads of
 * small headers, bounded reads of bulk data, skips that the source may serve
 * without transferring the skipped bytes. Holds at most one source piece.
 */
import { LogFileFormatError } from '../errors.js';
import { vlongEncodedLength, decodeVLong, VLongFormatError } from './vlong.js';

export interface PieceSource {
  /** The next piece, or null at the end. */
  next(): Promise<Buffer | null>;
  /**
   * Optional: drop up to `n` bytes without delivering them, returning how
   * many were dropped (0 = "read them instead").
   */
  skip?(n: number): Promise<number>;
  /** Releases the transfer; idempotent. */
  close(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

export class SequentialReader {
  private current: Buffer = EMPTY;
  private pos = 0;
  private ended = false;
  private consumed = 0;

  constructor(
    private readonly source: PieceSource,
    /** Names the stream in error messages, e.g. "data block 3 of <path>". */
    readonly description: string,
  ) {}

  /** Bytes consumed so far (read or skipped). */
  get position(): number {
    return this.consumed;
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.current.length) {
      if (this.ended) return false;
      const piece = await this.source.next();
      if (piece === null) {
        this.ended = true;
        this.current = EMPTY;
        this.pos = 0;
        return false;
      }
      this.current = piece;
      this.pos = 0;
    }
    return true;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  /** Up to `max` bytes (at least one), or null at the end. The result may share memory with the source piece. */
  async readUpTo(max: number): Promise<Buffer | null> {
    if (max <= 0) return EMPTY;
    if (!(await this.fill())) return null;
    const n = Math.min(max, this.current.length - this.pos);
    const out = this.current.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.consumed += n;
    return out;
  }

  /** Exactly `n` bytes; a short stream is a format error. */
  async readExact(n: number): Promise<Buffer> {
    if (n === 0) return EMPTY;
    const first = await this.readUpTo(n);
    if (first === null) throw this.truncated(n);
    if (first.length === n) return first;
    const parts: Buffer[] = [Buffer.from(first)];
    let have = first.length;
    while (have < n) {
      const part = await this.readUpTo(n - have);
      if (part === null) throw this.truncated(n - have);
      parts.push(Buffer.from(part));
      have += part.length;
    }
    return Buffer.concat(parts, n);
  }

  async readUInt8(): Promise<number> {
    return (await this.readExact(1))[0] as number;
  }

  /** A TFile VLong (see vlong.ts). */
  async readVLong(): Promise<number> {
    const first = await this.readUInt8();
    try {
      const len = vlongEncodedLength(first);
      if (len === 1) return decodeVLong(Uint8Array.of(first));
      const rest = await this.readExact(len - 1);
      const all = Buffer.allocUnsafe(len);
      all[0] = first;
      rest.copy(all, 1);
      return decodeVLong(all);
    } catch (e) {
      if (e instanceof VLongFormatError) throw new LogFileFormatError(`${e.message} in ${this.description}`);
      throw e;
    }
  }

  /** Drops exactly `n` bytes; a short stream is a format error. */
  async skip(n: number): Promise<void> {
    let left = n;
    const buffered = Math.min(left, this.current.length - this.pos);
    this.pos += buffered;
    this.consumed += buffered;
    left -= buffered;
    while (left > 0) {
      if (this.source.skip && !this.ended) {
        const dropped = await this.source.skip(left);
        if (dropped > 0) {
          left -= dropped;
          this.consumed += dropped;
          continue;
        }
      }
      const part = await this.readUpTo(left);
      if (part === null) throw this.truncated(left);
      left -= part.length;
    }
  }

  async close(): Promise<void> {
    this.current = EMPTY;
    this.ended = true;
    await this.source.close();
  }

  private truncated(missing: number): LogFileFormatError {
    return new LogFileFormatError(
      `${this.description} ends ${missing} byte(s) early (at offset ${this.consumed}); the file is truncated or still being written`,
    );
  }
}
