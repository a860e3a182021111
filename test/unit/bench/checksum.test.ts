import { describe, expect, it } from 'vitest';
import { addChecksum, CHECKSUM_MODULUS, entryHash, keyHash } from '../../../scripts/bench/checksum.js';

describe('keyHash', () => {
  // FNV-1a 32-bit test vectors from the FNV reference (draft-eastlake-fnv, test suite):
  // for ASCII strings the UTF-16 code units are the bytes.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('FNV-1a of %j', (s, expected) => {
    expect(keyHash(s)).toBe(expected);
  });

  it('feeds each UTF-16 code unit once (as Java charAt does)', () => {
    // Independent computation with BigInt over the code units of a non-ASCII string.
    const s = 'é€😀';
    let h = 0x811c9dc5n;
    for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i))) * 0x01000193n) & 0xffffffffn;
    expect(keyHash(s)).toBe(Number(h));
  });
});

describe('entryHash', () => {
  function reference(hash: number, value: number): number {
    const mul = (a: bigint, b: bigint) => (a * b) & 0xffffffffn;
    const v = BigInt.asUintN(32, BigInt(value));
    return Number(mul(BigInt(hash) ^ mul(v, 0x9e3779b1n), 0x85ebca6bn));
  }

  it.each([
    [0, 0],
    [0x811c9dc5, 1],
    [0xffffffff, 123456789],
    [0xe40c292c, 2 ** 31 - 1],
    [12345, -5],
  ])('matches 32-bit unsigned arithmetic for hash %d, value %d', (h, v) => {
    expect(entryHash(h, v)).toBe(reference(h, v));
  });
});

describe('addChecksum', () => {
  it('adds modulo 2^52', () => {
    expect(addChecksum(1, 2)).toBe(3);
    expect(addChecksum(CHECKSUM_MODULUS - 1, 5)).toBe(4);
    expect(addChecksum(CHECKSUM_MODULUS - 1, 2 ** 32 - 1)).toBe(2 ** 32 - 2);
  });

  it('does not depend on the order of the parts', () => {
    const parts = [2 ** 32 - 1, 17, 2 ** 51, 2 ** 51 + 3, 99];
    const forward = parts.reduce(addChecksum, 0);
    const backward = [...parts].reverse().reduce(addChecksum, 0);
    expect(forward).toBe(backward);
    const exact = parts.reduce((a, b) => a + BigInt(b), 0n) % BigInt(CHECKSUM_MODULUS);
    expect(forward).toBe(Number(exact));
  });
});
