// Deterministic inputs for the benchmarks: text with a Zipf-like word
// distribution, uniformly keyed (key, value) records for sortByKey, and
// records with skewed keys for the *ByKey aggregations. Same seed, same bytes.
import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createPrng } from './prng.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Resolution of the rank lookup table: each rank with probability above 2^-20 gets a slot. */
const ZIPF_TABLE_BITS = 20;
const CHUNK_CHARS = 1 << 20;

/** Part of every generated file's name: bump it when a generator changes, so cached inputs are made again. */
export const INPUT_FORMAT = 2;
export const TEXT_VOCABULARY = 50_000;
export const TEXT_ZIPF_EXPONENT = 1.0;
export const SKEW_KEYS = 1_000_000;
/** Finer table for the skewed keys: their tail is long. */
export const SKEW_TABLE_BITS = 22;
export const SKEW_ZIPF_EXPONENT = 1.2;

/**
 * A table mapping a uniform draw to a rank of a Zipf(exponent) distribution over
 * `n` ranks: table[floor(u * size)] is the rank. Quantized, which is fine for
 * benchmark data and much faster than a search per draw.
 */
export function zipfTable(n: number, exponent: number, bits = ZIPF_TABLE_BITS): Int32Array {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    total += 1 / (r + 1) ** exponent;
    cumulative[r] = total;
  }
  const size = 1 << bits;
  const table = new Int32Array(size);
  let rank = 0;
  for (let i = 0; i < size; i++) {
    const target = ((i + 0.5) / size) * total;
    while (rank < n - 1 && cumulative[rank]! < target) rank++;
    table[i] = rank;
  }
  return table;
}

/** `n` distinct lowercase words; frequent ranks (low index) get shorter words, as in real text. */
export function vocabulary(n: number, random: () => number): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < n) {
    const rank = words.length;
    const length = 1 + Math.min(11, Math.floor(Math.log2(rank + 2) / 1.5) + Math.floor(random() * 4));
    let w = '';
    for (let i = 0; i < length; i++) w += LETTERS[Math.floor(random() * 26)];
    if (seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  return words;
}

/** Produces text in chunks of about 1 MiB, whole lines only. */
export function* textChunks(seed: number): Generator<string> {
  const random = createPrng(seed);
  const words = vocabulary(TEXT_VOCABULARY, random);
  const table = zipfTable(words.length, TEXT_ZIPF_EXPONENT);
  const mask = table.length;
  for (;;) {
    let chunk = '';
    while (chunk.length < CHUNK_CHARS) {
      const count = 4 + Math.floor(random() * 12);
      let line = words[table[Math.floor(random() * mask)]!]!;
      for (let i = 1; i < count; i++) line += ' ' + words[table[Math.floor(random() * mask)]!]!;
      chunk += line + '\n';
    }
    yield chunk;
  }
}

/** Uniform keys: `key<TAB>value` lines, 10-letter keys, values below 1,000,000. */
export function* sortRecordChunks(seed: number, records: number): Generator<string> {
  const random = createPrng(seed);
  let left = records;
  while (left > 0) {
    let chunk = '';
    const n = Math.min(left, 50_000);
    for (let i = 0; i < n; i++) {
      let key = '';
      for (let j = 0; j < 10; j++) key += LETTERS[Math.floor(random() * 26)];
      chunk += `${key}\t${Math.floor(random() * 1_000_000)}\n`;
    }
    left -= n;
    yield chunk;
  }
}

/**
 * Skewed keys: `k<rank><TAB>value` lines, ranks Zipf(1.2) over 1,000,000 keys (the top key
 * holds ~1/5 of the records; hundreds of thousands of keys appear in 10 M records, so a
 * map-side combine has plenty to hold), values below 1,000 (above Java's small-Integer
 * cache, so Spark's boxed values take real memory as they would with real data).
 */
export function* skewRecordChunks(seed: number, records: number): Generator<string> {
  const random = createPrng(seed);
  const table = zipfTable(SKEW_KEYS, SKEW_ZIPF_EXPONENT, SKEW_TABLE_BITS);
  const size = table.length;
  let left = records;
  while (left > 0) {
    let chunk = '';
    const n = Math.min(left, 50_000);
    for (let i = 0; i < n; i++)
      chunk += `k${table[Math.floor(random() * size)]!}\t${Math.floor(random() * 1000)}\n`;
    left -= n;
    yield chunk;
  }
}

/**
 * Writes chunks to `path` until at least `minBytes` (or the generator ends), through a
 * temporary name so an interrupted run never leaves a truncated input behind.
 */
export async function writeChunks(
  path: string,
  chunks: Iterable<string>,
  minBytes = Infinity,
): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  let written = 0;
  try {
    for (const chunk of chunks) {
      if (written >= minBytes) break;
      written += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  } catch (e) {
    out.destroy();
    await rm(partial, { force: true });
    throw e;
  }
  renameSync(partial, path);
  return written;
}

export interface BenchInputs {
  text: string;
  sortRecords: string;
  skewRecords: string;
  records: number;
  /** Sizes in bytes of the generated files (0 when not generated in this run). */
  sizes: { text: number; sortRecords: number; skewRecords: number };
}

/** Generates (or reuses) the inputs in `dataDir`; `log` tells what is being generated. */
export async function ensureInputs(
  dataDir: string,
  options: {
    textBytes: number;
    records: number;
    seed: number;
    need: { text: boolean; sort: boolean; skew: boolean };
  },
  log: (line: string) => void,
): Promise<BenchInputs> {
  const { textBytes, records, seed } = options;
  const inputs: BenchInputs = {
    text: join(dataDir, `text-v${INPUT_FORMAT}-${textBytes}-s${seed}.txt`),
    sortRecords: join(dataDir, `sort-v${INPUT_FORMAT}-${records}-s${seed}.tsv`),
    skewRecords: join(dataDir, `skew-v${INPUT_FORMAT}-${records}-s${seed}.tsv`),
    records,
    sizes: { text: 0, sortRecords: 0, skewRecords: 0 },
  };
  const make = async (path: string, what: string, chunks: () => Iterable<string>, minBytes?: number) => {
    if (existsSync(path)) return;
    log(`generating ${what} in ${path} ...`);
    const t0 = performance.now();
    await writeChunks(path, chunks(), minBytes);
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  if (options.need.text) {
    await make(
      inputs.text,
      `${(textBytes / 2 ** 20).toFixed(0)} MiB of text`,
      () => textChunks(seed),
      textBytes,
    );
    inputs.sizes.text = statSync(inputs.text).size;
  }
  if (options.need.sort) {
    await make(inputs.sortRecords, `${records} sort records`, () => sortRecordChunks(seed + 1, records));
    inputs.sizes.sortRecords = statSync(inputs.sortRecords).size;
  }
  if (options.need.skew) {
    await make(inputs.skewRecords, `${records} skewed records`, () => skewRecordChunks(seed + 2, records));
    inputs.sizes.skewRecords = statSync(inputs.skewRecords).size;
  }
  return inputs;
}
