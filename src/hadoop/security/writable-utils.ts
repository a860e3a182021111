/**
 * Hadoop's Writable encodings used by token storage files
 * (org.apache.hadoop.io.WritableUtils and Text).
 *
 * vint/vlong: -112..127 is one byte. Otherwise the first byte is
 * -113..-120 for a positive value and -121..-128 for a negative one (whose
 * one's complement is stored), and says how many big-endian bytes follow
 * (1..8).
 */

export class ByteReader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  readByte(): number {
    if (this.offset >= this.bytes.length)
      throw new RangeError(`${this.what}: unexpected end of data at byte ${this.offset}`);
    return this.bytes[this.offset++] as number;
  }

  readBytes(n: number): Uint8Array {
    if (n < 0 || this.offset + n > this.bytes.length) {
      throw new RangeError(
        `${this.what}: needs ${n} bytes at byte ${this.offset}, only ${this.remaining} left`,
      );
    }
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

export function readVLong(reader: ByteReader): bigint {
  const first = (reader.readByte() << 24) >> 24; // as a signed byte
  if (first >= -112) return BigInt(first);
  const negative = first < -120;
  const length = negative ? -(first + 120) : -(first + 112);
  let value = 0n;
  for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(reader.readByte());
  return negative ? ~value : value;
}

export function readVInt(reader: ByteReader): number {
  const v = readVLong(reader);
  if (v > 2147483647n || v < -2147483648n) throw new RangeError(`value ${v} does not fit in an int`);
  return Number(v);
}

export function writeVLong(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  if (v >= -112n && v <= 127n) return Uint8Array.of(Number(v) & 0xff);
  let base = -112;
  if (v < 0n) {
    v = ~v;
    base = -120;
  }
  const bytes: number[] = [];
  for (let t = v; t !== 0n; t >>= 8n) bytes.unshift(Number(t & 0xffn));
  return Uint8Array.from([(base - bytes.length) & 0xff, ...bytes]);
}

/** A byte array as WritableUtils/Writable write it: vint length, then the bytes. */
export function readVIntPrefixedBytes(reader: ByteReader): Uint8Array {
  const length = readVInt(reader);
  if (length < 0) throw new RangeError(`negative length ${length}`);
  return reader.readBytes(length);
}

/** org.apache.hadoop.io.Text: vint byte length, then UTF-8. */
export function readText(reader: ByteReader): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(readVIntPrefixedBytes(reader));
}

export function writeVIntPrefixedBytes(bytes: Uint8Array): Uint8Array {
  const prefix = writeVLong(bytes.length);
  const out = new Uint8Array(prefix.length + bytes.length);
  out.set(prefix, 0);
  out.set(bytes, prefix.length);
  return out;
}

export function writeText(text: string): Uint8Array {
  return writeVIntPrefixedBytes(new TextEncoder().encode(text));
}
