import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../src/rpc/codec/frame-decoder.js';
import type { RawFrame } from '../../../src/rpc/codec/frame.js';
import { RpcFrameTooLargeError, RpcProtocolError } from '../../../src/rpc/errors.js';

/** A frame built by hand from the documented layout: u32 BE length (kind + payload), kind byte, payload. */
function handFrame(kind: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(4 + 1 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[4] = kind;
  payload.copy(out, 5);
  return out;
}

function collect(decoder: FrameDecoder, chunks: Buffer[]): { kind: number; payload: string }[] {
  const frames: RawFrame[] = [];
  for (const c of chunks) decoder.push(c, (f) => frames.push(f));
  return frames.map((f) => ({ kind: f.kind, payload: f.payload.toString('hex') }));
}

const payloads = [
  Buffer.from('hello'),
  Buffer.alloc(0),
  Buffer.from([0, 1, 2, 255]),
  Buffer.alloc(300, 0xab),
];
const stream = Buffer.concat(payloads.map((p, i) => handFrame(i + 1, p)));
const expected = payloads.map((p, i) => ({ kind: i + 1, payload: p.toString('hex') }));

describe('FrameDecoder', () => {
  it('decodes several frames from one chunk', () => {
    expect(collect(new FrameDecoder(1024), [stream])).toEqual(expected);
  });

  it('decodes the same frames when the stream is split at every boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const got = collect(new FrameDecoder(1024), [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(got, `split at ${cut}`).toEqual(expected);
    }
  });

  it('decodes a stream fed one byte at a time, and split at every pair of boundaries', () => {
    const bytes = [...stream].map((b) => Buffer.of(b));
    expect(collect(new FrameDecoder(1024), bytes)).toEqual(expected);
    const small = Buffer.concat([handFrame(9, Buffer.from('ab')), handFrame(8, Buffer.from('cde'))]);
    for (let i = 0; i <= small.length; i++) {
      for (let j = i; j <= small.length; j++) {
        const got = collect(new FrameDecoder(64), [
          small.subarray(0, i),
          small.subarray(i, j),
          small.subarray(j),
        ]);
        expect(got).toEqual([
          { kind: 9, payload: Buffer.from('ab').toString('hex') },
          { kind: 8, payload: Buffer.from('cde').toString('hex') },
        ]);
      }
    }
  });

  it('returns a frame inside one chunk as a view of it, and assembles a split frame once', () => {
    const frame = handFrame(1, Buffer.alloc(1000, 1));
    const whole: RawFrame[] = [];
    new FrameDecoder(4096).push(frame, (f) => whole.push(f));
    expect(whole[0]!.payload.buffer).toBe(frame.buffer);

    const decoder = new FrameDecoder(4096);
    const split: RawFrame[] = [];
    decoder.push(frame.subarray(0, 10), (f) => split.push(f));
    expect(decoder.bufferedBytes).toBe(6); // the length field is consumed, 6 payload bytes copied into place
    decoder.push(frame.subarray(10), (f) => split.push(f));
    expect(split[0]!.payload.equals(Buffer.alloc(1000, 1))).toBe(true);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('refuses a frame over the limit before buffering it, naming the limit and the key to raise', () => {
    const decoder = new FrameDecoder(100);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(101, 0);
    let error: unknown;
    try {
      decoder.push(header, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RpcFrameTooLargeError);
    expect((error as RpcFrameTooLargeError).code).toBe('RPC_FRAME_TOO_LARGE');
    expect((error as Error).message).toContain('101 bytes exceeds the limit of 100 bytes');
    expect((error as Error).message).toContain('spark.rpc.message.maxSize');
    expect(decoder.bufferedBytes).toBe(0);
    // the stream cannot be resynchronised: the decoder stays failed
    expect(() => decoder.push(handFrame(1, Buffer.from('x')), () => undefined)).toThrow(
      RpcFrameTooLargeError,
    );
  });

  it('accepts a frame of exactly the limit', () => {
    const frames = collect(new FrameDecoder(11), [handFrame(3, Buffer.alloc(10))]);
    expect(frames).toHaveLength(1);
  });

  it('refuses a zero-length frame', () => {
    expect(() => new FrameDecoder(10).push(Buffer.alloc(4), () => undefined)).toThrow(RpcProtocolError);
  });

  it('applies a limit changed by the frame callback to the very next frame in the same chunk', () => {
    const decoder = new FrameDecoder(8);
    const big = handFrame(2, Buffer.alloc(50));
    const kinds: number[] = [];
    decoder.push(Buffer.concat([handFrame(1, Buffer.from('ok')), big]), (f) => {
      kinds.push(f.kind);
      decoder.setMaxFrameBytes(1000);
    });
    expect(kinds).toEqual([1, 2]);
  });
});
