/**
 * Key semantics: keys compare by value, never by identity.
 *
 * Supported key types and their equality:
 *
 * | type        | equal when                                   | order within the type          |
 * |-------------|----------------------------------------------|--------------------------------|
 * | undefined   | always                                       | -                              |
 * | null        | always                                       | -                              |
 * | boolean     | same value                                   | false < true                   |
 * | number      | `===`, plus -0 equals 0 and NaN equals NaN   | numeric; NaN after +Infinity   |
 * | bigint      | same value                                   | numeric                        |
 * | string      | same UTF-16 code units                       | code-unit order (JS `<`)       |
 * | Date        | same `getTime()` (all invalid Dates equal)   | by time; invalid after valid   |
 * | array/tuple | same length and element-wise equal           | element-wise, then shorter one |
 *
 * Across types: undefined < null < boolean < number < bigint < string < Date < array.
 * A number never equals a bigint or a string (1, 1n and '1' are three keys), as in
 * Spark, where an Int key never equals a Long or a String key.
 *
 * Anything else (plain objects, Maps, class instances, functions, symbols) is rejected
 * with an `UnsupportedKeyError`: an object has no canonical value semantics in JS
 * (property order, prototypes, getters), and silently comparing by identity would
 * make `reduceByKey` produce one group per record.
 *
 * Invariants the shuffle relies on (tested in test/unit/core/keys.test.ts):
 *   keyEquals(a, b) <=> compareKeys(a, b) === 0 <=> keyToken(a) === keyToken(b)
 *   keyEquals(a, b)  => keyHash(a) === keyHash(b)
 */
import { TsparkError, ExitCode } from '../errors.js';

/** A key whose type has no value semantics (see the table at the top of keys.ts). */
export class UnsupportedKeyError extends TsparkError {
  constructor(typeName: string) {
    super(
      'UNSUPPORTED_KEY',
      `A ${typeName} cannot be used as a key: keys compare by value, and only strings, numbers, ` +
        'bigints, booleans, null, undefined, Dates and arrays (tuples) of those are supported. ' +
        'Use a tuple of the fields that identify the record (e.g. [o.id, o.day]) or a string ' +
        '(e.g. JSON.stringify of the fields in a fixed order) as the key instead.',
      { exitCode: ExitCode.APP_FAILED, context: { keyType: typeName } },
    );
  }
}

/** Human-readable name of a value's type for error messages. */
export function describeKeyType(k: unknown): string {
  if (typeof k === 'function') return 'function';
  if (typeof k === 'symbol') return 'symbol';
  if (typeof k !== 'object' || k === null) return typeof k;
  const proto: unknown = Object.getPrototypeOf(k);
  if (proto === Object.prototype || proto === null) return 'plain object';
  const ctor = (k as { constructor?: { name?: unknown } }).constructor;
  const name = typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object';
  return `${name} object`;
}

// Type ranks for the cross-type order.
const RANK_UNDEFINED = 0;
const RANK_NULL = 1;
const RANK_BOOLEAN = 2;
const RANK_NUMBER = 3;
const RANK_BIGINT = 4;
const RANK_STRING = 5;
const RANK_DATE = 6;
const RANK_ARRAY = 7;

function rankOf(k: unknown): number {
  switch (typeof k) {
    case 'undefined':
      return RANK_UNDEFINED;
    case 'boolean':
      return RANK_BOOLEAN;
    case 'number':
      return RANK_NUMBER;
    case 'bigint':
      return RANK_BIGINT;
    case 'string':
      return RANK_STRING;
    case 'object':
      if (k === null) return RANK_NULL;
      if (Array.isArray(k)) return RANK_ARRAY;
      if (k instanceof Date) return RANK_DATE;
      break;
  }
  throw new UnsupportedKeyError(describeKeyType(k));
}

/** Numeric order with -0 == 0 and NaN equal to itself and greater than everything. */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  // At least one NaN.
  const aNaN = a !== a;
  const bNaN = b !== b;
  return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
}

/**
 * Total order over supported keys (see the table above). Returns a negative number,
 * zero or a positive number. Throws `UnsupportedKeyError` for an unsupported key it
 * meets (it does not look inside arrays further than the comparison needs; `keyToken`
 * validates deeply). Note that `Array.prototype.sort` moves bare `undefined` elements to
 * the end without calling the comparator: sort records or wrappers, not bare keys.
 */
export function compareKeys(a: unknown, b: unknown): number {
  // Fast paths: the common shuffle keys are strings and numbers of one type.
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  return compareMixed(a, b);
}

function compareMixed(a: unknown, b: unknown): number {
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case RANK_UNDEFINED:
    case RANK_NULL:
      return 0;
    case RANK_BOOLEAN:
      return a === b ? 0 : a ? 1 : -1;
    case RANK_BIGINT:
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case RANK_DATE:
      return compareNumbers((a as Date).getTime(), (b as Date).getTime());
    case RANK_ARRAY: {
      const x = a as readonly unknown[];
      const y = b as readonly unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareKeys(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default:
      // RANK_NUMBER and RANK_STRING with both operands of that type took the fast path.
      return compareKeys(a, b);
  }
}

/** Value equality of keys: `compareKeys(a, b) === 0`, with fast paths. */
export function keyEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b || (a !== a && b !== b);
  return compareMixed(a, b) === 0;
}

// ---------------------------------------------------------------------------------------
// keyToken: a canonical form usable as a JS Map key.
//
// Primitive keys are their own token (strings, booleans, bigints, null, undefined, and
// numbers other than -0 and NaN), so the per-record cost of a Map lookup keyed by token
// is a typeof check. Map keys compare with SameValueZero and distinguish types, so 1, 1n
// and '1' stay three keys.
//
// Composite keys (arrays, Dates) and NaN need a string. Collisions with string keys are
// made impossible, not merely unlikely, by splitting the token strings into three
// disjoint classes by their first code units:
//   (1) a string key not starting with U+0000 is its own token       -> not "\0..."
//   (2) a string key s starting with U+0000 becomes "\0" + s          -> "\0\0..."
//   (3) a composite key becomes "\0" + encode(key), and encode(key) starts with an ASCII
//       tag letter                                                     -> "\0[a-z]..."
// Each class is injective on its own ((2) prepends a constant; (3) because `encode` is a
// prefix-free code: every element carries a type tag, numbers end in ';' (which no number
// string contains), strings and arrays carry their length), so the whole map is injective.
//
// encode: u = undefined, z = null, t/f = booleans, n<String(x)>; = number (-0 as 0, NaN as
// "NaN"), b<decimal>; = bigint, s<len>:<chars> = string, d<time>; = Date,
// a<len>:<elements> = array.
// ---------------------------------------------------------------------------------------

const ESC = '\u0000';

/** Canonical Map key for `k`: keyEquals(a, b) <=> keyToken(a) === keyToken(b). */
export function keyToken(k: unknown): string | number | boolean | bigint | null | undefined {
  switch (typeof k) {
    case 'string':
      return k.length === 0 || k.charCodeAt(0) !== 0 ? k : ESC + k;
    case 'number':
      if (k !== k) return ESC + 'nNaN;';
      return k === 0 ? 0 : k; // -0 -> 0
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return k;
    case 'object':
      if (k === null) return null;
      return ESC + encodeComposite(k);
  }
  throw new UnsupportedKeyError(describeKeyType(k));
}

function encodeComposite(k: unknown): string {
  switch (typeof k) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return k ? 't' : 'f';
    case 'number':
      return 'n' + String(k === 0 ? 0 : k) + ';';
    case 'bigint':
      return 'b' + k.toString() + ';';
    case 'string':
      return 's' + k.length + ':' + k;
    case 'object': {
      if (k === null) return 'z';
      if (Array.isArray(k)) {
        let s = 'a' + k.length + ':';
        for (let i = 0; i < k.length; i++) s += encodeComposite(k[i]);
        return s;
      }
      if (k instanceof Date) {
        const t = k.getTime();
        return 'd' + String(t === 0 ? 0 : t) + ';';
      }
    }
  }
  throw new UnsupportedKeyError(describeKeyType(k));
}

// ---------------------------------------------------------------------------------------
// keyHash: a 31-bit hash, identical in every process and on every platform (pure integer
// arithmetic, no seeds from the environment), so that a key goes to the same reduce
// partition whichever executor wrote it.
//
//   string  FNV-1a (32-bit) over the UTF-16 code units, then the MurmurHash3 fmix32
//           finalizer (FNV alone is weak in its low bits, and `mod n` uses the low bits).
//   number  an int32 value (incl. -0) hashes its 32 bits; any other number hashes the
//           two halves of its IEEE-754 bits (little-endian order), NaN one fixed value.
//   bigint  the string algorithm over its decimal digits, with its own seed.
//   others  booleans/null/undefined are constants; a Date hashes like its getTime()
//           with a Date seed; an array folds its elements' hashes FNV-style, then fmix32.
// Each type mixes in its own seed so that 1, 1n and '1' usually land apart.
// ---------------------------------------------------------------------------------------

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const SEED_NUMBER = 0x9e3779b9 | 0;
const SEED_BIGINT = 0x7f4a7c15 | 0;
const SEED_DATE = 0x6a09e667 | 0;
const SEED_ARRAY = 0x3c6ef372 | 0;
const HASH_NULL = 0x2545f491;
const HASH_UNDEFINED = 0x1b873593;
const HASH_TRUE = 0x27d4eb2f;
const HASH_FALSE = 0x165667b1;
const HASH_NAN = 0x0bad0bad;

/** MurmurHash3's 32-bit finalizer: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function fnv1aString(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

const f64View = new DataView(new ArrayBuffer(8));

function hashNumber(x: number, seed: number): number {
  if ((x | 0) === x) return fmix32((x | 0) ^ seed); // also maps -0 to 0
  if (x !== x) return fmix32(HASH_NAN ^ seed);
  f64View.setFloat64(0, x, true);
  const lo = f64View.getUint32(0, true);
  const hi = f64View.getUint32(4, true);
  return fmix32(Math.imul(fmix32(lo ^ seed), FNV_PRIME) ^ hi);
}

function hash32(k: unknown): number {
  switch (typeof k) {
    case 'string':
      return fmix32(fnv1aString(k, FNV_OFFSET) ^ k.length);
    case 'number':
      return hashNumber(k, SEED_NUMBER);
    case 'boolean':
      return k ? HASH_TRUE : HASH_FALSE;
    case 'bigint':
      return fmix32(fnv1aString(k.toString(), SEED_BIGINT));
    case 'undefined':
      return HASH_UNDEFINED;
    case 'object': {
      if (k === null) return HASH_NULL;
      if (Array.isArray(k)) {
        let h = SEED_ARRAY;
        for (let i = 0; i < k.length; i++) h = Math.imul(h ^ hash32(k[i]), FNV_PRIME);
        return fmix32(h ^ k.length);
      }
      if (k instanceof Date) return hashNumber(k.getTime(), SEED_DATE);
    }
  }
  throw new UnsupportedKeyError(describeKeyType(k));
}

/** Non-negative 31-bit hash, stable across processes; equal keys hash equally. */
export function keyHash(k: unknown): number {
  return hash32(k) & 0x7fffffff;
}

/** Throws `UnsupportedKeyError` unless `k` is a supported key (checks arrays deeply). */
export function assertValidKey(k: unknown): void {
  keyToken(k);
}
