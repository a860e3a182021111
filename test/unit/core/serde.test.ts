import * as v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  CorruptStreamError,
  decodeBatch,
  decodeFramedStream,
  encodeBatch,
  FrameDecoder,
  frameBatch,
} from '../../../src/core/serde.js';

const BATCHES: unknown[][] = [
  [
    ['a', 1],
    ['b', 2],
  ],
  [],
  [
    [null, undefined],
    [[1, 'x'], new Date(7)],
    [10n, new Map([[1, 2]])],
    ['\u00e9\ud83d\ude00', new Uint8Array([1, 2, 3])],
  ],
  Array.from({ length: 40 }, (_, i) => [`key-${i}`, { n: i, s: 'v'.repeat(i % 17) }]),
];

/** The framing written out by hand from the spec: u32 BE length + v8.serialize(batch). */
function referenceFrame(batch: unknown[]): Buffer {
  const payload = v8.serialize(batch);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

async function* chunksOf(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

async function decodeAll(parts: Buffer[]): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of decodeFramedStream(chunksOf(parts))) out.push(b);
  return out;
}

describe('batch encoding', () => {
  it('round-trips records through encodeBatch/decodeBatch', () => {
    for (const batch of BATCHES) expect(decodeBatch(encodeBatch(batch))).toEqual(batch);
  });

  it('frames as a big-endian u32 length followed by the v8 payload', () => {
    for (const batch of BATCHES) {
      const f = frameBatch(batch);
      expect(f.readUInt32BE(0)).toBe(f.length - 4);
      expect(v8.deserialize(f.subarray(4))).toEqual(batch);
      // Same bytes as the spec's construction.
      expect(f.equals(referenceFrame(batch))).toBe(true);
    }
  });

  it('rejects a payload that is not an array', () => {
    expect(() => decodeBatch(v8.serialize({ a: 1 }))).toThrow(CorruptStreamError);
    expect(() => decodeBatch(Buffer.from([1, 2, 3]))).toThrow(CorruptStreamError);
  });
});

describe('framed stream decoding', () => {
  const frames = BATCHES.map(referenceFrame);
  const stream = Buffer.concat(frames);

  it('decodes several frames delivered in one chunk', async () => {
    expect(await decodeAll([stream])).toEqual(BATCHES);
  });

  it('decodes the stream split into two chunks at every byte boundary', async () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const got = await decodeAll([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(got, `cut at ${cut}`).toEqual(BATCHES);
    }
  });

  it('decodes the stream split into three chunks at many boundary pairs', async () => {
    // All cut pairs inside the first two frames and the header of the third.
    const limit = frames[0]!.length + frames[1]!.length + 6;
    for (let a = 0; a <= limit; a++) {
      for (let b = a; b <= limit; b++) {
        const got = await decodeAll([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(got).toEqual(BATCHES);
      }
    }
  });

  it('decodes one byte at a time', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) parts.push(stream.subarray(i, i + 1));
    expect(await decodeAll(parts)).toEqual(BATCHES);
  });

  it('treats an empty stream as no batches', async () => {
    expect(await decodeAll([])).toEqual([]);
    expect(await decodeAll([Buffer.alloc(0), Buffer.alloc(0)])).toEqual([]);
  });

  it('reports a stream cut inside a frame', async () => {
    for (const cut of [1, 3, 4, 5, frames[0]!.length - 1, frames[0]!.length + 2]) {
      await expect(decodeAll([stream.subarray(0, cut)])).rejects.toThrow(/ended inside a frame/);
    }
  });

  it("FrameDecoder returns each frame's payload as soon as its last byte arrives", () => {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    const f0 = frames[0]!;
    d.push(f0.subarray(0, f0.length - 1), out);
    expect(out).toEqual([]);
    d.push(f0.subarray(f0.length - 1), out);
    expect(out.map((p) => decodeBatch(p))).toEqual([BATCHES[0]]);
    d.end();
  });
});
