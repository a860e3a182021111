import { describe, expect, it } from 'vitest';
import { decodeVLong, vlongEncodedLength } from '../../../src/logs/tfile/vlong.js';
import { decodeModifiedUtf8 } from '../../../src/logs/aggregated/java-utf.js';

// Vectors derived by hand from the encoding rules documented on Hadoop's
// org.apache.hadoop.io.file.tfile.Utils#writeVLong (first byte = n/256 - 52
// for two bytes, n/2^16 - 88 for three, n/2^24 - 112 for four, len - 129 for
// the length form), not from an encoder of ours.
const VECTORS: [number[], number][] = [
  [[0x00], 0],
  [[0x7f], 127],
  [[0xe0], -32],
  [[0xcc, 0x80], 128],
  [[0xcb, 0xdf], -33],
  [[0xdf, 0xff], 19 * 256 + 255],
  [[0xa8, 0x14, 0x00], 5120],
  [[0x98, 0x00, 0x00], -1048576], // a typical "1 MiB, more chunks follow" chunk length
  [[0x90, 0x10, 0x00, 0x00], 1 << 20],
  [[0x97, 0xff, 0xff, 0xff], 2 ** 27 - 1],
  [[0x83, 0x10, 0x00, 0x00, 0x00], 2 ** 28],
  [[0x83, 0xff, 0xff, 0xff, 0xff], -1],
  [[0x85, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00], 2 ** 40],
  [[0x87, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], Number.MAX_SAFE_INTEGER],
];

describe('TFile VLong', () => {
  it.each(VECTORS)('decodes %j as %d', (bytes, value) => {
    expect(vlongEncodedLength(bytes[0]!)).toBe(bytes.length);
    expect(decodeVLong(Uint8Array.from(bytes))).toBe(value);
  });

  it('rejects length forms shorter than 4 bytes and truncated input', () => {
    expect(() => vlongEncodedLength(0x82)).toThrow(/corrupted/);
    expect(() => decodeVLong(Uint8Array.from([0xa8, 0x14]))).toThrow(/truncated/);
  });

  it('rejects values beyond the safe integer range instead of rounding', () => {
    expect(() =>
      decodeVLong(Uint8Array.from([0x87, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
    ).toThrow(/safe integer/);
  });
});

describe('Java modified UTF-8', () => {
  it('decodes ASCII, two- and three-byte forms, NUL as C0 80 and surrogate pairs', () => {
    const bytes = Uint8Array.from([
      0x61, 0xc0, 0x80, 0xc3, 0xa9, 0xe2, 0x9c, 0x93, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80,
    ]);
    expect(decodeModifiedUtf8(bytes)).toBe('a\u0000\u00e9\u2713\u{1f600}');
  });

  it('rejects malformed sequences', () => {
    expect(() => decodeModifiedUtf8(Uint8Array.from([0xc3]))).toThrow(/malformed/);
    expect(() => decodeModifiedUtf8(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]))).toThrow(/malformed/);
  });
});
