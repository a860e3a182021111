import { describe, expect, it } from 'vitest';
import { BATCH_SIZE } from '../../../../src/core/batch.js';
import {
  chunkBytesFor,
  FRAME_TARGET_BYTES,
  MERGE_READ_AHEAD_BYTES,
  READ_CHUNK_BYTES,
  recordsPerFrame,
} from '../../../../src/core/shuffle/run-file.js';
import { MAX_OPEN_RUNS, mergeFanIn } from '../../../../src/core/shuffle/spill.js';
import { CorruptStreamError, decodeFramedStream, frameBatch } from '../../../../src/core/serde.js';

const MiB = 1024 * 1024;

describe('frame size', () => {
  it('keeps BATCH_SIZE records per frame for small records', () => {
    const small = Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]);
    expect(recordsPerFrame(small)).toBe(BATCH_SIZE);
  });

  it('puts fewer large records in a frame, about FRAME_TARGET_BYTES of them', () => {
    const big = Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 'x'.repeat(1024)]);
    expect(big.length).toBeGreaterThan(Math.floor(FRAME_TARGET_BYTES / 1024));
    const n = recordsPerFrame(big);
    // each record: a 1 KiB string plus a key and a tuple: between 1 and 2 KiB estimated
    expect(n).toBeGreaterThanOrEqual(Math.floor(FRAME_TARGET_BYTES / 2048));
    expect(n).toBeLessThanOrEqual(Math.floor(FRAME_TARGET_BYTES / 1024));
  });

  it('frames one record at a time when a record alone is larger than a frame', () => {
    expect(recordsPerFrame([['k', 'x'.repeat(FRAME_TARGET_BYTES * 2)]])).toBe(1);
  });
});

describe('merge fan-in', () => {
  it('merges as many runs as the budget holds decoded frames of, 2 to MAX_OPEN_RUNS', () => {
    expect(mergeFanIn(0)).toBe(2);
    expect(mergeFanIn(5 * MiB)).toBe(5);
    expect(mergeFanIn(20 * MiB)).toBe(20);
    expect(mergeFanIn(1024 * MiB)).toBe(MAX_OPEN_RUNS);
  });
});

describe('merge read-ahead', () => {
  it('reads in full chunks while few runs are open', () => {
    expect(chunkBytesFor(1)).toBe(1024 * 1024);
    expect(chunkBytesFor(16)).toBe(1024 * 1024);
  });

  it('keeps the chunks of all open runs within the read-ahead bound', () => {
    for (let runs = 1; runs <= MAX_OPEN_RUNS; runs++) {
      const chunk = chunkBytesFor(runs);
      expect(chunk * runs, `${runs} runs`).toBeLessThanOrEqual(MERGE_READ_AHEAD_BYTES);
      expect(chunk, `${runs} runs`).toBeLessThanOrEqual(READ_CHUNK_BYTES);
    }
    expect(MERGE_READ_AHEAD_BYTES).toBe(16 * 1024 * 1024);
    expect(chunkBytesFor(64)).toBe(256 * 1024);
  });

  it('never reads in chunks below 64 KiB, however many runs', () => {
    expect(chunkBytesFor(10_000)).toBe(64 * 1024);
  });
});

describe('framed stream decoding', () => {
  it('decodes the frames of a chunk one at a time, as the consumer asks for them', async () => {
    // one chunk: a good frame, then a frame whose payload is not a serialized batch
    const bad = Buffer.from([0, 0, 0, 3, 0xff, 0xff, 0xff]);
    const chunk = Buffer.concat([frameBatch([['a', 1]]), bad]);
    const it = decodeFramedStream((async function* () { yield chunk; })())[Symbol.asyncIterator]();
    // the first batch arrives although the second frame of the same chunk is corrupt
    expect((await it.next()).value).toEqual([['a', 1]]);
    await expect(it.next()).rejects.toBeInstanceOf(CorruptStreamError);
  });
});
