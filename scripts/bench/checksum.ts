// Order-independent checksums of (key, value) results, defined so that the Java
// programs in spark/ compute the very same numbers (see spark/tspark/bench/Check.java):
// a 32-bit FNV-1a hash over the UTF-16 code units of the key, mixed with the value,
// summed modulo 2^52 (exact in a double and in a Java long).

export const CHECKSUM_MODULUS = 2 ** 52;

/** FNV-1a (32 bit) over UTF-16 code units, as Java's String.charAt sees them. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One entry's contribution: the key hash mixed with a 32-bit value. */
export function entryHash(hash: number, value: number): number {
  return Math.imul(hash ^ Math.imul(value | 0, 0x9e3779b1), 0x85ebca6b) >>> 0;
}

/** Adds two checksum parts modulo 2^52. */
export function addChecksum(a: number, b: number): number {
  return (a + b) % CHECKSUM_MODULUS;
}
