/**
 * The tspark RPC wire format. Every frame, in both directions:
 *
 *   0          4       5
 *   +----------+-------+------------------------------+
 *   | length   | kind  | kind-specific bytes          |
 *   | u32 BE   | u8    | (length - 1 bytes)           |
 *   +----------+-------+------------------------------+
 *   length counts every byte after the length field, the kind byte included (so >= 1).
 *
 * Handshake frames (kinds 0x10-0x14) have fixed binary layouts and are never
 * handed to node:v8, so an unauthenticated peer cannot make us deserialize
 * anything (see auth/handshake-frames.ts). Application frames (kinds 1-4)
 * carry a node:v8 message object and an optional raw body (see app-frame.ts).
 */

export const LENGTH_BYTES = 4;
export const KIND_BYTES = 1;

export const FrameKind = {
  /** A message that expects no answer. */
  ONE_WAY: 0x01,
  /** A message that expects a RESPONSE or ERROR with the same request id. */
  REQUEST: 0x02,
  RESPONSE: 0x03,
  /** The handler of a REQUEST threw: the header is { name, message, code? }. */
  ERROR: 0x04,
  HELLO: 0x10,
  CHALLENGE: 0x11,
  PROOF: 0x12,
  AUTH_OK: 0x13,
  AUTH_FAILED: 0x14,
} as const;
export type FrameKindValue = (typeof FrameKind)[keyof typeof FrameKind];

/** Spark's spark.rpc.message.maxSize default (128 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 128 * 1024 * 1024;
/** Until the peer is authenticated it may not make us buffer more than this. */
export const HANDSHAKE_MAX_FRAME_BYTES = 256;

/** A frame as cut from the byte stream: its kind and the bytes after the kind byte. */
export interface RawFrame {
  kind: number;
  payload: Buffer;
}

/** A frame with the given kind and payload, as one buffer (for small frames). */
export function encodeRawFrame(kind: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + KIND_BYTES + payload.length);
  frame.writeUInt32BE(KIND_BYTES + payload.length, 0);
  frame.writeUInt8(kind, LENGTH_BYTES);
  frame.set(payload, LENGTH_BYTES + KIND_BYTES);
  return frame;
}
