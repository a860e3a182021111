import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLineBatches } from '../../../../src/core/io/line-reader.js';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import { computeTextSplits, readTextSplit, type FileSplit } from '../../../../src/core/io/text-input.js';
import { makeTempDir } from './helpers.js';

/**
 * The key property of text input: however a file is cut into splits, and however the
 * bytes arrive in chunks, the lines of all splits concatenated are the file's lines.
 * Expected lines come from a plain string split, independent of the byte-level reader.
 */
function expectedLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  // A terminator at the very end (or an empty file) does not open another line.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Deterministic pseudo-random text mixing all terminators, empty lines and multi-byte characters. */
function generatedText(seed: number, pieces: number, withCR = true): string {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const atoms = ['a', 'bc', 'word', ' ', 'é', '日本', '😀', '\u0800', '\n', '\r\n', '\r', '\n\n', '\r\r\n'];
  const pool = withCR ? atoms : atoms.filter((a) => !a.includes('\r'));
  let s = '';
  for (let i = 0; i < pieces; i++) s += pool[Math.floor(rnd() * pool.length)];
  return s;
}

const SAMPLES: Record<string, string> = {
  empty: '',
  oneChar: 'a',
  lf: '\n',
  crlf: '\r\n',
  cr: '\r',
  lfTerminated: 'hello\nworld\n',
  crlfWithEmpty: 'hello\r\nworld\r\n\r\n',
  crOnly: 'one\rtwo\rthree',
  emptyLines: 'x\n\n\ny',
  mixed: 'a\r\nb\rc\nd\r\r\ne\n\rf',
  trailingCr: 'abc\r',
  terminatorsOnly: '\r\r\r\n\n',
  leadingNewlines: '\n\nfirst\n',
  multibyte: 'héllo wörld\n日本語のテキスト\r\n😀 emoji 𝄞\rend',
  multibyteNoTerminator: 'ü€𝄞ü€𝄞ü€𝄞',
  bom: '\uFEFFbom first\nsecond\r\n',
  generated1: generatedText(1, 90),
  generated2: generatedText(7, 120),
  generatedLfOnly: generatedText(3, 100, false),
};

/** Splits of fixed size covering [0, length). */
function fixedSplits(path: string, length: number, size: number): FileSplit[] {
  if (length === 0) return [{ path, start: 0, length: 0, hosts: [] }];
  const out: FileSplit[] = [];
  for (let start = 0; start < length; start += size) {
    out.push({ path, start, length: Math.min(size, length - start), hosts: [] });
  }
  return out;
}

async function* chunked(bytes: Buffer, chunkSize: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}

async function linesOfRange(
  bytes: Buffer,
  start: number,
  length: number,
  chunkSize: number,
): Promise<string[]> {
  const out: string[] = [];
  const batches = readLineBatches(chunked(bytes.subarray(start), chunkSize), {
    start,
    end: start + length,
    batchSize: 3,
  });
  for await (const batch of batches) {
    expect(batch.length).toBeGreaterThan(0);
    out.push(...batch);
  }
  return out;
}

describe('line boundaries (in memory): every split size x every small chunk size', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(name, async () => {
      const bytes = Buffer.from(text, 'utf8');
      const expected = expectedLines(text);
      for (let size = 1; size <= Math.max(1, bytes.length); size++) {
        for (const chunkSize of [1, 2, 3, 4, 5, 7, 1 << 16]) {
          const got: string[] = [];
          for (const s of fixedSplits('mem', bytes.length, size)) {
            got.push(...(await linesOfRange(bytes, s.start, s.length, chunkSize)));
          }
          if (got.length !== expected.length || got.some((l, i) => l !== expected[i])) {
            expect({ size, chunkSize, got }).toEqual({ size, chunkSize, got: expected });
          }
        }
      }
    });
  }
});

describe('line boundaries through LocalFileSystem and readTextSplit', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
  afterAll(async () => cleanup());

  // Every sample but the two longest generated ones (covered in memory above): each
  // split here is a real open and ranged read, which is slow on a busy machine.
  const viaFiles = Object.entries(SAMPLES).filter(
    ([name]) => name !== 'generated2' && name !== 'generatedLfOnly',
  );
  for (const [name, text] of viaFiles) {
    it(name, async () => {
      const path = join(dir, `${name}.txt`);
      const bytes = Buffer.from(text, 'utf8');
      await writeFile(path, bytes);
      const expected = expectedLines(text);
      for (const readBufferSize of [2]) {
        const fs = new LocalFileSystem({ readBufferSize });
        for (let size = 1; size <= Math.max(1, bytes.length); size++) {
          const got: string[] = [];
          for (const split of fixedSplits(path, bytes.length, size)) {
            for await (const batch of readTextSplit(fs, split)) got.push(...batch);
          }
          expect({ readBufferSize, size, got }).toEqual({ readBufferSize, size, got: expected });
        }
      }
    });
  }

  it('holds for the splits computeTextSplits plans (block size = split size, SPLIT_SLOP)', async () => {
    const text = generatedText(11, 50);
    const path = join(dir, 'planned.txt');
    const bytes = Buffer.from(text, 'utf8');
    await writeFile(path, bytes);
    for (let blockSize = 1; blockSize <= bytes.length; blockSize++) {
      const fs = new LocalFileSystem({ blockSize, readBufferSize: 3 });
      const splits = await computeTextSplits(fs, path, 1);
      const got: string[] = [];
      for (const split of splits) for await (const batch of readTextSplit(fs, split)) got.push(...batch);
      expect({ blockSize, got }).toEqual({ blockSize, got: expectedLines(text) });
    }
  });

  it('reads a line much longer than the lookahead that crosses a split end', async () => {
    const long = 'L'.repeat(300_000) + 'é';
    const text = `short\n${long}\r\nafter\n`;
    const path = join(dir, 'long.txt');
    await writeFile(path, text);
    const fs = new LocalFileSystem({ readBufferSize: 8192 });
    const first = { path, start: 0, length: 10, hosts: [] };
    const second = { path, start: 10, length: Buffer.byteLength(text) - 10, hosts: [] };
    const a: string[] = [];
    for await (const b of readTextSplit(fs, first)) a.push(...b);
    const b: string[] = [];
    for await (const batch of readTextSplit(fs, second)) b.push(...batch);
    expect(a).toEqual(['short', long]);
    expect(b).toEqual(['after']);
  });
});
