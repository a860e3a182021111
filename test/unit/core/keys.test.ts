import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { compareKeys, keyEquals, keyHash, keyToken, UnsupportedKeyError } from '../../../src/core/keys.js';

// Keys listed in strictly ascending order per the documented total order; the ordering
// is written down by hand from the contract, not produced by compareKeys.
const ASCENDING: unknown[] = [
  undefined,
  null,
  false,
  true,
  -Infinity,
  -1.5,
  -1,
  0,
  1e-300,
  1,
  2,
  2 ** 31,
  2 ** 53,
  Infinity,
  NaN,
  -(2n ** 70n),
  -1n,
  0n,
  1n,
  2n ** 64n,
  '',
  '\u0000',
  '\u0000\u0000a',
  '\u0000a',
  '1',
  'A',
  'a',
  'a\u0000',
  'ab',
  'b',
  '\u00e9',
  '\ud83d\ude00',
  new Date(-1),
  new Date(0),
  new Date(1e12),
  new Date(NaN),
  [],
  [undefined],
  [null],
  [0],
  [0, 0],
  [0, 'a'],
  [1],
  [1, [2]],
  [1, [2, 3]],
  ['a'],
  ['a', 1],
  [new Date(0)],
  [[]],
  [[0]],
];

// Pairs that the contract says are the same key.
const EQUAL_PAIRS: [unknown, unknown][] = [
  [0, -0],
  [NaN, NaN],
  [NaN, 0 / 0],
  [new Date(5), new Date(5)],
  [new Date(NaN), new Date('not a date')],
  [
    [1, 'a', [2n, null]],
    [1, 'a', [2n, null]],
  ],
  [[-0], [0]],
  [[NaN], [NaN]],
  [[undefined], [undefined]],
  ['x', 'x'],
  [10n, 10n],
];

// Pairs that must be different keys.
const UNEQUAL_PAIRS: [unknown, unknown][] = [
  [1, '1'],
  [1, 1n],
  [0, false],
  [null, undefined],
  ['', undefined],
  ['', null],
  [[1], 1],
  [['a'], 'a'],
  [[], ''],
  [new Date(0), 0],
  [['a', 'b'], ['ab']],
  [['a,b'], ['a', 'b']],
  [
    [1, [2, 3]],
    [[1, 2], 3],
  ],
  ['\u0000as1:x', ['x']],
  ['\u0000nNaN;', NaN],
  [NaN, 'NaN'],
  [[undefined], []],
  [[null], [undefined]],
];

describe('compareKeys', () => {
  it('orders the reference list exactly as written', () => {
    for (let i = 0; i < ASCENDING.length; i++) {
      for (let j = 0; j < ASCENDING.length; j++) {
        const c = Math.sign(compareKeys(ASCENDING[i], ASCENDING[j]));
        expect(c, `compare(#${i}, #${j})`).toBe(Math.sign(i - j));
      }
    }
  });

  it('treats equal pairs as equal and is antisymmetric on unequal ones', () => {
    for (const [a, b] of EQUAL_PAIRS) {
      expect(compareKeys(a, b)).toBe(0);
      expect(keyEquals(a, b)).toBe(true);
    }
    for (const [a, b] of UNEQUAL_PAIRS) {
      const c = compareKeys(a, b);
      expect(c).not.toBe(0);
      expect(Math.sign(compareKeys(b, a))).toBe(-Math.sign(c));
      expect(keyEquals(a, b)).toBe(false);
    }
  });

  it('sorts a shuffled copy back into the reference order', () => {
    const shuffled = ASCENDING.slice().reverse();
    // Deterministic interleave to avoid only testing a reversed input.
    const mixed = shuffled.filter((_, i) => i % 2 === 0).concat(shuffled.filter((_, i) => i % 2 === 1));
    // Wrapped: Array.prototype.sort moves bare `undefined` elements last without asking
    // the comparator.
    const sorted = mixed.map((k) => ({ k })).sort((a, b) => compareKeys(a.k, b.k));
    expect(sorted.map(({ k }) => keyToken(k))).toEqual(ASCENDING.map((k) => keyToken(k)));
  });
});

describe('keyToken', () => {
  it('is a primitive equal to the key for canonical primitives', () => {
    for (const k of ['', 'abc', 1, -2.5, true, false, 7n, null, undefined]) expect(keyToken(k)).toBe(k);
    expect(Object.is(keyToken(-0), 0)).toBe(true);
  });

  it('is equal exactly when keys are equal, over every pair of the reference set', () => {
    const all = [...ASCENDING, ...EQUAL_PAIRS.flat(), ...UNEQUAL_PAIRS.flat()];
    for (const a of all) {
      for (const b of all) {
        expect(keyToken(a) === keyToken(b), `${String(keyToken(a))} vs ${String(keyToken(b))}`).toBe(
          keyEquals(a, b),
        );
      }
    }
  });

  it('works as a Map key that groups equal keys', () => {
    const m = new Map<unknown, number>();
    const keys = [
      [1, 'a'],
      [1, 'a'],
      'a',
      'a',
      1,
      -0,
      0,
      NaN,
      NaN,
      new Date(3),
      new Date(3),
      '\u0000x',
      '\u0000x',
    ];
    for (const k of keys) {
      const t = keyToken(k);
      m.set(t, (m.get(t) ?? 0) + 1);
    }
    expect([...m.values()]).toEqual([2, 2, 1, 2, 2, 2, 2]);
  });
});

describe('unsupported keys', () => {
  const BAD: [unknown, string][] = [
    [{ a: 1 }, 'plain object'],
    [Object.create(null), 'plain object'],
    [() => 1, 'function'],
    [Symbol('s'), 'symbol'],
    [new Map(), 'Map object'],
    [new Uint8Array(2), 'Uint8Array object'],
    [[1, { a: 1 }], 'plain object'],
  ];
  it.each(BAD)('rejects %s naming the type and the fix', (k, typeName) => {
    // compareKeys checks what it compares, so compare the key with itself.
    for (const f of [() => keyToken(k), () => keyHash(k), () => compareKeys(k, k), () => keyEquals(k, k)]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsupportedKeyError);
      const msg = (err as Error).message;
      expect(msg).toContain(`A ${typeName} cannot be used as a key`);
      expect(msg).toMatch(/tuple/);
      expect(msg).toMatch(/string/);
      expect((err as UnsupportedKeyError).code).toBe('UNSUPPORTED_KEY');
    }
  });
});

// Reference implementation of the documented hash, written with BigInt arithmetic
// (independent of the Math.imul code under test).
const M32 = 0xffffffffn;
const mul32 = (a: bigint, b: bigint): bigint => (a * b) & M32;
function refFmix(h: bigint): bigint {
  h ^= h >> 16n;
  h = mul32(h, 0x85ebca6bn);
  h ^= h >> 13n;
  h = mul32(h, 0xc2b2ae35n);
  h ^= h >> 16n;
  return h;
}
function refStringHash(s: string): number {
  let h = 0x811c9dc5n;
  for (let i = 0; i < s.length; i++) h = mul32(h ^ BigInt(s.charCodeAt(i)), 0x01000193n);
  return Number(refFmix(h ^ BigInt(s.length)) & 0x7fffffffn);
}
function refNumberHash(x: number): number {
  const seed = 0x9e3779b9n;
  if (Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31) {
    return Number(refFmix((BigInt(x) & M32) ^ seed) & 0x7fffffffn);
  }
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  const lo = BigInt(b.readUInt32LE(0));
  const hi = BigInt(b.readUInt32LE(4));
  return Number(refFmix(mul32(refFmix(lo ^ seed), 0x01000193n) ^ hi) & 0x7fffffffn);
}

describe('keyHash', () => {
  it('matches the documented algorithm for strings and numbers', () => {
    for (const s of [
      '',
      'a',
      'hello',
      'the quick brown fox',
      '\u00e9t\u00e9',
      '\ud83d\ude00',
      'x'.repeat(1000),
    ]) {
      expect(keyHash(s)).toBe(refStringHash(s));
    }
    for (const x of [0, 1, -1, 42, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1.5, -1e300, Math.PI, Infinity]) {
      expect(keyHash(x)).toBe(refNumberHash(x));
    }
  });

  it('is a non-negative 31-bit integer, equal for equal keys', () => {
    for (const k of ASCENDING) {
      const h = keyHash(k);
      expect(Number.isInteger(h) && h >= 0 && h <= 0x7fffffff).toBe(true);
    }
    for (const [a, b] of EQUAL_PAIRS) expect(keyHash(a)).toBe(keyHash(b));
  });

  it('gives the same hashes in a separate Node process', () => {
    // Bundle keys.ts on its own and hash a set of keys in a child process.
    const entry = fileURLToPath(new URL('../../../src/core/keys.ts', import.meta.url));
    const bundle = buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
    });
    const dir = mkdtempSync(join(tmpdir(), 'tspark-keys-'));
    try {
      const modulePath = join(dir, 'keys.mjs');
      writeFileSync(modulePath, bundle.outputFiles[0]!.text);
      const keys = ['', 'a', 'word', '\u00e9t\u00e9', 0, -7, 1.5, 2 ** 40, [1, 'x', [null]], true, null];
      const script =
        `import { keyHash } from ${JSON.stringify(modulePath)};` +
        `const keys = ${JSON.stringify(keys)}; keys.push(12345678901234567890n, new Date(86400000), undefined, NaN);` +
        'process.stdout.write(JSON.stringify(keys.map((k) => keyHash(k))));';
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(child.stderr).toBe('');
      const here = [...keys, 12345678901234567890n, new Date(86400000), undefined, NaN].map((k) =>
        keyHash(k),
      );
      expect(JSON.parse(child.stdout)).toEqual(here);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('spreads sequential integers and similar strings evenly over partitions', () => {
    for (const gen of [
      (i: number) => i,
      (i: number) => `user-${i}`,
      (i: number) => [i, 'x'],
      (i: number) => i * 1024,
    ]) {
      const n = 16;
      const counts = new Array<number>(n).fill(0);
      const total = 64_000;
      for (let i = 0; i < total; i++) counts[keyHash(gen(i)) % n]! += 1;
      const expected = total / n;
      for (const c of counts) expect(Math.abs(c - expected) / expected).toBeLessThan(0.1);
    }
  });
});
