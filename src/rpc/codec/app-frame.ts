import v8 from 'node:v8';
import { RpcFrameTooLargeError, RpcProtocolError } from '../errors.js';
import { FrameKind, KIND_BYTES, LENGTH_BYTES } from './frame.js';

/**
 * Application frames: a node:v8 message object plus an optional raw body.
 *
 *   0        4      5            9               13
 *   +--------+------+------------+---------------+------------------+----------------------+
 *   | length | kind | request id | header length | header           | body                 |
 *   | u32 BE | u8   | u32 BE     | u32 BE = H    | H bytes, node:v8 | rest of the frame,   |
 *   |        | 1..4 | 0 = none   |               | { type, ... }    | raw bytes (may be 0) |
 *   +--------+------+------------+---------------+------------------+----------------------+
 *
 * The body exists so that bulk bytes (shuffle blocks, broadcast pieces, task
 * binaries) never go through node:v8: the sender writes the caller's buffer
 * to the socket as it is, and the receiver gets it as a view of the frame.
 * Putting a Buffer *inside* the message object works too, but costs a copy
 * into the serializer on the way out and one out of it on the way in
 * (measured in docs/internals/rpc.md).
 */

export type AppFrameKind =
  typeof FrameKind.ONE_WAY | typeof FrameKind.REQUEST | typeof FrameKind.RESPONSE | typeof FrameKind.ERROR;

/** What travels: a plain object with a string `type` (and anything node:v8 can copy). */
export interface RpcMessage {
  type: string;
  [field: string]: unknown;
}

export interface AppFrame {
  kind: AppFrameKind;
  /** Correlates REQUEST with RESPONSE/ERROR; 0 on ONE_WAY frames. */
  requestId: number;
  message: RpcMessage;
  /** Raw bytes after the header; empty when the sender sent none. */
  body: Buffer;
}

/** Bytes of an application frame before its header. */
export const APP_PREFIX_BYTES = LENGTH_BYTES + KIND_BYTES + 4 + 4;
const PREFIX_PLACEHOLDER = Buffer.alloc(APP_PREFIX_BYTES);

export function isAppFrameKind(kind: number): kind is AppFrameKind {
  return kind >= FrameKind.ONE_WAY && kind <= FrameKind.ERROR;
}

/**
 * Encodes the frame up to and including the header; the caller writes
 * `bodyLength` bytes of body right after it. One allocation: the serializer
 * writes the header behind a placeholder prefix that is filled in afterwards.
 * Throws RpcFrameTooLargeError when the frame would exceed the limit.
 */
export function encodeAppFrameHead(
  kind: AppFrameKind,
  requestId: number,
  message: RpcMessage,
  bodyLength: number,
  maxFrameBytes: number,
): Buffer {
  const serializer = new v8.DefaultSerializer();
  serializer.writeRawBytes(PREFIX_PLACEHOLDER);
  serializer.writeHeader();
  serializer.writeValue(message);
  const head = serializer.releaseBuffer();
  const headerLength = head.length - APP_PREFIX_BYTES;
  const length = head.length - LENGTH_BYTES + bodyLength;
  if (length > maxFrameBytes) throw new RpcFrameTooLargeError(length, maxFrameBytes);
  head.writeUInt32BE(length, 0);
  head.writeUInt8(kind, LENGTH_BYTES);
  head.writeUInt32BE(requestId, LENGTH_BYTES + KIND_BYTES);
  head.writeUInt32BE(headerLength, LENGTH_BYTES + KIND_BYTES + 4);
  return head;
}

/** Decodes an application frame's payload (the bytes after its kind byte). */
export function decodeAppFrame(kind: AppFrameKind, payload: Buffer): AppFrame {
  if (payload.length < 8)
    throw new RpcProtocolError(
      `application frame of ${payload.length} bytes is shorter than its 8-byte prefix`,
    );
  const requestId = payload.readUInt32BE(0);
  const headerLength = payload.readUInt32BE(4);
  if (headerLength > payload.length - 8) {
    throw new RpcProtocolError(
      `header length ${headerLength} overruns the frame (${payload.length - 8} bytes left)`,
    );
  }
  let message: unknown;
  try {
    message = v8.deserialize(payload.subarray(8, 8 + headerLength));
  } catch (e) {
    throw new RpcProtocolError(`message header is not valid node:v8 data: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (
    typeof message !== 'object' ||
    message === null ||
    typeof (message as { type?: unknown }).type !== 'string'
  ) {
    throw new RpcProtocolError('message header is not an object with a string "type"');
  }
  return { kind, requestId, message: message as RpcMessage, body: payload.subarray(8 + headerLength) };
}
