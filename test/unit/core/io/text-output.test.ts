import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../../../src/core/io/file-system.js';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import { writeTextPartition } from '../../../../src/core/io/text-output.js';
import { makeTempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => cleanup());

function line(i: number): string {
  return `record ${i} ${'x'.repeat(i % 50)} ü`;
}

async function* generated(count: number, batchSize: number, onPull?: () => void): AsyncGenerator<string[]> {
  for (let i = 0; i < count; i += batchSize) {
    onPull?.();
    const batch: string[] = [];
    for (let j = i; j < Math.min(count, i + batchSize); j++) batch.push(line(j));
    yield batch;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

describe('writeTextPartition', () => {
  it('writes a large output exactly: every line followed by a newline', async () => {
    const count = 600_000; // about 30 MB
    const path = join(dir, 'big', 'part-00000');
    const result = await writeTextPartition(new LocalFileSystem(), path, generated(count, 4096));
    const expected = createHash('sha256');
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const b = Buffer.from(line(i) + '\n', 'utf8');
      bytes += b.length;
      expected.update(b);
    }
    expect(result).toEqual({ recordsWritten: count, bytesWritten: bytes });
    expect(await sha256OfFile(path)).toBe(expected.digest('hex'));
  });

  it('applies backpressure: the producer never runs far ahead of a slow sink', async () => {
    const highWaterMark = 64 * 1024;
    let received = 0;
    let maxBuffered = 0;
    const sink = new Writable({
      highWaterMark,
      write(chunk: Buffer, _enc, cb) {
        // A slow disk: each write completes a few milliseconds later.
        setTimeout(() => {
          received += chunk.length;
          cb();
        }, 2);
      },
    });
    const fs = { create: async () => sink } as unknown as FileSystem;
    let produced = 0;
    const batchBytes = Buffer.byteLength(Array.from({ length: 100 }, (_, j) => line(j)).join('\n') + '\n');
    const count = 100 * 400;
    const source = generated(count, 100, () => {
      maxBuffered = Math.max(maxBuffered, sink.writableLength);
      // Bytes handed over but not yet taken by the sink stay bounded by the buffer.
      expect(produced - received).toBeLessThanOrEqual(highWaterMark + 2 * batchBytes);
    });
    const counting = (async function* () {
      for await (const b of source) {
        produced += Buffer.byteLength(b.join('\n') + '\n');
        yield b;
      }
    })();
    const result = await writeTextPartition(fs, 'ignored', counting);
    expect(result.recordsWritten).toBe(count);
    expect(received).toBe(result.bytesWritten);
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + batchBytes);
    expect(maxBuffered).toBeGreaterThan(0);
  });

  it('stops pulling and rejects when the sink fails', async () => {
    let pulls = 0;
    const sink = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        setImmediate(() => cb(new Error('disk full')));
      },
    });
    const fs = { create: async () => sink } as unknown as FileSystem;
    await expect(
      writeTextPartition(
        fs,
        'p',
        generated(1_000_000, 1000, () => pulls++),
      ),
    ).rejects.toThrow('disk full');
    expect(pulls).toBeLessThan(10);
  });

  it('refuses to overwrite an existing file', async () => {
    const fs = new LocalFileSystem();
    const path = join(dir, 'p');
    await writeTextPartition(fs, path, generated(3, 2));
    await expect(writeTextPartition(fs, path, generated(3, 2))).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    });
  });
});
