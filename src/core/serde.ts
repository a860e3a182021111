/**
 * Record serialization: `node:v8` structured serialization, one array per batch, framed
 * with a length prefix so batches can be streamed and cut anywhere by the transport.
 *
 * A framed stream is a sequence of frames:
 *
 *   +----------------------+--------------------------------------------+
 *   | payload length (u32, | payload: v8.serialize(batch), batch an     |
 *   | big-endian, 4 bytes) | array of records                           |
 *   +----------------------+--------------------------------------------+
 *
 * An empty stream (zero frames) is legal and means "no records".
 */
import * as v8 from 'node:v8';
import { TsparkError } from '../errors.js';

/** Bytes of the frame header. */
export const FRAME_HEADER_BYTES = 4;
const MAX_FRAME_PAYLOAD = 0xffffffff;
const HEADER_PLACEHOLDER = Buffer.alloc(FRAME_HEADER_BYTES);

/** A framed stream or a batch payload could not be decoded (truncated or corrupt bytes). */
export class CorruptStreamError extends TsparkError {
  constructor(message: string, cause?: unknown) {
    super(
      'CORRUPT_STREAM',
      `${message}. The shuffle or spill bytes are damaged or were cut short; rerunning the task ` +
        'regenerates them. If it repeats, check the disk under spark.local.dir.',
      { cause, retriable: true },
    );
  }
}

/** One v8-serialized array of records. */
export function encodeBatch(records: readonly unknown[]): Buffer {
  return v8.serialize(records);
}

/** Inverse of `encodeBatch`. Accepts any Buffer view (no copy is made). */
export function decodeBatch(buf: Buffer): unknown[] {
  let value: unknown;
  try {
    value = v8.deserialize(buf);
  } catch (e) {
    throw new CorruptStreamError('A record batch failed to deserialize', e);
  }
  if (!Array.isArray(value)) throw new CorruptStreamError('A record batch is not an array');
  return value;
}

/** One frame: length header + `encodeBatch(records)`, in a single Buffer. */
export function frameBatch(records: readonly unknown[]): Buffer {
  // Serialize straight after a 4-byte placeholder to avoid copying the payload to prepend
  // the header; the placeholder is then overwritten with the real length.
  const ser = new v8.DefaultSerializer();
  ser.writeRawBytes(HEADER_PLACEHOLDER);
  ser.writeHeader();
  ser.writeValue(records);
  const buf = ser.releaseBuffer();
  const payload = buf.length - FRAME_HEADER_BYTES;
  if (payload > MAX_FRAME_PAYLOAD)
    throw new RangeError(`batch of ${payload} bytes exceeds a frame's 4 GiB limit`);
  buf.writeUInt32BE(payload, 0);
  return buf;
}

/**
 * Incremental frame splitter: `push` any chunk, receive the payload of every frame
 * completed by it, still encoded. A frame lying wholly inside one chunk is a view into
 * it (no copy); only frames that straddle chunk boundaries are copied once into a
 * contiguous buffer. The caller decodes a payload when it needs the batch, so a chunk
 * of many small frames is not all decoded onto the heap at once.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Total frame length (header + payload) of the partial frame, once its header is known. */
  private pendingFrameBytes = -1;

  /** Appends the payloads of the frames completed by `chunk` to `out`. */
  push(chunk: Buffer, out: Buffer[]): void {
    let offset = 0;
    if (this.pendingBytes > 0) {
      offset = this.completePending(chunk, out);
      if (offset < 0) return; // chunk consumed into the pending frame
    }
    const end = chunk.length;
    while (end - offset >= FRAME_HEADER_BYTES) {
      const frameEnd = offset + FRAME_HEADER_BYTES + chunk.readUInt32BE(offset);
      if (frameEnd > end) break;
      out.push(chunk.subarray(offset + FRAME_HEADER_BYTES, frameEnd));
      offset = frameEnd;
    }
    if (offset < end) {
      const rest = chunk.subarray(offset);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
      this.pendingFrameBytes =
        rest.length >= FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES + rest.readUInt32BE(0) : -1;
    }
  }

  /** Throws unless the stream ended on a frame boundary. */
  end(): void {
    if (this.pendingBytes > 0) {
      throw new CorruptStreamError(
        `A framed stream ended inside a frame (${this.pendingBytes} bytes left over)`,
      );
    }
  }

  /**
   * Adds `chunk` to the partial frame. Returns the offset in `chunk` after the completed
   * frame, or -1 when the whole chunk went into the still-incomplete frame.
   */
  private completePending(chunk: Buffer, out: Buffer[]): number {
    if (this.pendingFrameBytes < 0) {
      if (this.pendingBytes + chunk.length < FRAME_HEADER_BYTES) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        return -1;
      }
      let len = 0;
      for (let i = 0; i < FRAME_HEADER_BYTES; i++) len = len * 256 + this.byteAt(i, chunk);
      this.pendingFrameBytes = FRAME_HEADER_BYTES + len;
    }
    const missing = this.pendingFrameBytes - this.pendingBytes;
    if (chunk.length < missing) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return -1;
    }
    this.pending.push(chunk.subarray(0, missing));
    const frame = Buffer.concat(this.pending, this.pendingFrameBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingFrameBytes = -1;
    out.push(frame.subarray(FRAME_HEADER_BYTES));
    return missing;
  }

  /** Byte `i` of (pending chunks ++ next). */
  private byteAt(i: number, next: Buffer): number {
    for (const b of this.pending) {
      if (i < b.length) return b[i]!;
      i -= b.length;
    }
    return next[i]!;
  }
}

const EMPTY = Buffer.alloc(0);

/** Decodes a framed byte stream cut into arbitrary chunks into its batches. */
export async function* decodeFramedStream(chunks: AsyncIterable<Buffer>): AsyncGenerator<unknown[]> {
  const decoder = new FrameDecoder();
  const out: Buffer[] = [];
  for await (const chunk of chunks) {
    decoder.push(chunk, out);
    // one decoded batch at a time: a merge holds one per open run, not one chunk's worth
    for (let i = 0; i < out.length; i++) {
      const payload = out[i]!;
      out[i] = EMPTY;
      yield decodeBatch(payload);
    }
    out.length = 0;
  }
  decoder.end();
}
