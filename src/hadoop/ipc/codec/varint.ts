import { IpcProtocolError } from '../errors.js';

/**
 * Unsigned protobuf varints for the length prefix of "delimited" messages
 * (protobuf's writeDelimitedTo: varint(length) then the message bytes).
 */

/** Encodes a non-negative 32-bit length as a base-128 varint. */
export function encodeVarint32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`varint32 out of range: ${value}`);
  }
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** Reads a varint32 at `offset`; returns undefined when the bytes end first. */
export function readVarint32(buf: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 5; i++) {
    const at = offset + i;
    if (at >= buf.length) return undefined;
    const b = buf[at] as number;
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) return { value, next: at + 1 };
    multiplier *= 128;
  }
  throw new IpcProtocolError('a length prefix is longer than 5 bytes');
}

/** varint(length) followed by the bytes. */
export function delimit(message: Uint8Array): Uint8Array {
  const prefix = encodeVarint32(message.length);
  const out = new Uint8Array(prefix.length + message.length);
  out.set(prefix, 0);
  out.set(message, prefix.length);
  return out;
}

/** Reads one delimited message at `offset` of a complete buffer. */
export function readDelimited(
  buf: Uint8Array,
  offset: number,
  what: string,
): { bytes: Uint8Array; next: number } {
  const len = readVarint32(buf, offset);
  if (!len) throw new IpcProtocolError(`${what}: the frame ends inside a length prefix`);
  const end = len.next + len.value;
  if (end > buf.length) {
    throw new IpcProtocolError(
      `${what}: declares ${len.value} bytes but the frame has ${buf.length - len.next} left`,
    );
  }
  return { bytes: buf.subarray(len.next, end), next: end };
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
