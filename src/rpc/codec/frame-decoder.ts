import { RpcFrameTooLargeError, RpcProtocolError } from '../errors.js';
import { KIND_BYTES, LENGTH_BYTES, type RawFrame } from './frame.js';

/**
 * Cuts a byte stream into frames (layout in frame.ts). Takes chunks of any
 * size: a frame may span many chunks and one chunk may hold many frames.
 *
 * Copies are kept to at most one per byte: a frame wholly inside one chunk is
 * returned as a view of that chunk (no copy; the view keeps the chunk alive
 * as long as the caller keeps it), and a frame spanning chunks is assembled
 * into one buffer allocated once its length is known, so a 64 MiB body costs
 * 64 MiB plus the socket's chunks in flight, never a growing list of chunks.
 *
 * The length is checked against the limit before anything is buffered. After
 * an error the decoder stays failed: the stream cannot be resynchronised.
 */
export class FrameDecoder {
  private readonly lengthBytes = Buffer.alloc(LENGTH_BYTES);
  private lengthFilled = 0;
  private assembling: Buffer | undefined;
  private assembled = 0;
  private failure: Error | undefined;

  constructor(private maxFrameBytes: number) {}

  /** The limit applies to frames whose length field has not been read yet. */
  setMaxFrameBytes(limit: number): void {
    this.maxFrameBytes = limit;
  }

  /** Bytes of an incomplete frame held right now (for tests and diagnostics). */
  get bufferedBytes(): number {
    return this.lengthFilled + this.assembled;
  }

  /**
   * Feeds one chunk; calls `onFrame` for each frame it completes, in order.
   * The callback runs before the next frame's length is read, so it may
   * change the limit (the handshake raises it once the peer is authenticated).
   */
  push(chunk: Buffer, onFrame: (frame: RawFrame) => void): void {
    if (this.failure) throw this.failure;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.assembling) {
        const n = Math.min(this.assembling.length - this.assembled, chunk.length - offset);
        chunk.copy(this.assembling, this.assembled, offset, offset + n);
        this.assembled += n;
        offset += n;
        if (this.assembled === this.assembling.length) {
          const frame = this.assembling;
          this.assembling = undefined;
          this.assembled = 0;
          onFrame(toRawFrame(frame));
        }
        continue;
      }
      let length: number;
      if (this.lengthFilled === 0 && chunk.length - offset >= LENGTH_BYTES) {
        length = chunk.readUInt32BE(offset);
        offset += LENGTH_BYTES;
      } else {
        const n = Math.min(LENGTH_BYTES - this.lengthFilled, chunk.length - offset);
        chunk.copy(this.lengthBytes, this.lengthFilled, offset, offset + n);
        this.lengthFilled += n;
        offset += n;
        if (this.lengthFilled < LENGTH_BYTES) break;
        length = this.lengthBytes.readUInt32BE(0);
        this.lengthFilled = 0;
      }
      this.checkLength(length);
      if (chunk.length - offset >= length) {
        const frame = chunk.subarray(offset, offset + length);
        offset += length;
        onFrame(toRawFrame(frame));
      } else {
        this.assembling = Buffer.allocUnsafe(length);
        this.assembled = 0;
      }
    }
  }

  private checkLength(length: number): void {
    if (length < KIND_BYTES)
      this.fail(new RpcProtocolError('frame with length 0 (a frame holds at least its kind byte)'));
    if (length > this.maxFrameBytes) this.fail(new RpcFrameTooLargeError(length, this.maxFrameBytes));
  }

  private fail(error: Error): never {
    this.failure = error;
    throw error;
  }
}

function toRawFrame(frame: Buffer): RawFrame {
  return { kind: frame[0]!, payload: frame.subarray(KIND_BYTES) };
}
