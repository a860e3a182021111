import { IpcProtocolError } from '../errors.js';
import { MAX_RESPONSE_FRAME_BYTES } from './constants.js';

/**
 * Reassembles length-prefixed frames from arbitrary chunks (socket `data`
 * events never align with frames).
 *
 *   +----------------+----------------------+
 *   | length (4, BE) | body (length bytes)  |
 *   +----------------+----------------------+
 *
 * `push` returns every frame body completed by the chunk, in order; bytes of
 * an incomplete frame stay buffered. Works for both directions.
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly maxFrameBytes: number;

  constructor(options: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_RESPONSE_FRAME_BYTES;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (this.buffer.length - at >= 4) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + at, 4);
      const length = view.getInt32(0, false);
      if (length < 0 || length > this.maxFrameBytes) {
        throw new IpcProtocolError(
          `frame length ${length} is outside 0..${this.maxFrameBytes}; the peer is probably not a Hadoop IPC server`,
        );
      }
      if (this.buffer.length - at - 4 < length) break;
      // Copy so a frame never pins the whole receive buffer.
      frames.push(this.buffer.slice(at + 4, at + 4 + length));
      at += 4 + length;
    }
    this.buffer = at === 0 ? this.buffer : this.buffer.subarray(at);
    if (this.buffer.length === 0) this.buffer = new Uint8Array(0);
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
