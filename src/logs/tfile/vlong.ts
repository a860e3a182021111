/**
 * TFile's variable-length integers (`org.apache.hadoop.io.file.tfile.Utils`
 * readVLong/writeVLong). Not Hadoop's WritableUtils varint: TFile picks the
 * encoded length from the first byte `b` (signed):
 *
 *   b >= -32            1 byte    value = b                          (-32..127)
 *   -72  <= b <= -33    2 bytes   value = (b + 52) << 8  | u8
 *   -104 <= b <= -73    3 bytes   value = (b + 88) << 16 | u16be
 *   -120 <= b <= -105   4 bytes   value = (b + 112) << 24 | u16be << 8 | u8
 *   -128 <= b <= -121   1 + n     n = b + 129 (4..8) bytes follow: a signed big-endian integer
 *
 * Results are signed: chunk lengths in a TFile value are written negated for
 * "more chunks follow", and their encodings land in the negative branches.
 * The aggregated-log format never uses WritableUtils varints, so there is no
 * decoder for those here.
 */

/** Total encoded length (first byte included) announced by the first byte. */
export function vlongEncodedLength(firstByte: number): number {
  const b = (firstByte << 24) >> 24; // as a signed byte
  if (b >= -32) return 1;
  if (b >= -72) return 2;
  if (b >= -104) return 3;
  if (b >= -120) return 4;
  const n = b + 129;
  if (n < 4)
    throw new VLongFormatError(`corrupted TFile VLong: length form with ${n} bytes (first byte ${b})`);
  return 1 + n;
}

export class VLongFormatError extends Error {}

/**
 * Decodes one VLong whose `vlongEncodedLength(bytes[0])` bytes are all in
 * `bytes` (from `offset`). Values beyond ±2^53 cannot be file offsets or
 * lengths and are rejected rather than rounded.
 */
export function decodeVLong(bytes: Uint8Array, offset = 0): number {
  const first = bytes[offset];
  if (first === undefined) throw new VLongFormatError('corrupted TFile VLong: no bytes');
  const b = (first << 24) >> 24;
  const len = vlongEncodedLength(first);
  if (offset + len > bytes.length) throw new VLongFormatError('corrupted TFile VLong: truncated');
  const u = (i: number): number => bytes[offset + i] as number;
  if (len === 1) return b;
  if (b >= -72) return (b + 52) * 0x100 + u(1);
  if (b >= -104) return (b + 88) * 0x10000 + u(1) * 0x100 + u(2);
  if (b >= -120) return (b + 112) * 0x1000000 + u(1) * 0x10000 + u(2) * 0x100 + u(3);
  // Length form: n bytes, big-endian two's complement.
  let value = 0n;
  for (let i = 1; i < len; i++) value = (value << 8n) | BigInt(u(i));
  const bits = BigInt((len - 1) * 8);
  if (value >= 1n << (bits - 1n)) value -= 1n << bits;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new VLongFormatError(`TFile VLong ${value} is outside the safe integer range`);
  }
  return Number(value);
}
