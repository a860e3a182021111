import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { decodeAppFrame, encodeAppFrameHead } from '../../../src/rpc/codec/app-frame.js';
import { FrameKind } from '../../../src/rpc/codec/frame.js';
import { RpcFrameTooLargeError, RpcProtocolError } from '../../../src/rpc/errors.js';

/** The documented layout, built independently: length | kind | request id | header length | v8 header | body. */
function handAppFrame(
  kind: number,
  requestId: number,
  message: unknown,
  body: Buffer = Buffer.alloc(0),
): Buffer {
  const header = v8.serialize(message);
  const prefix = Buffer.alloc(13);
  prefix.writeUInt32BE(1 + 4 + 4 + header.length + body.length, 0);
  prefix[4] = kind;
  prefix.writeUInt32BE(requestId, 5);
  prefix.writeUInt32BE(header.length, 9);
  return Buffer.concat([prefix, header, body]);
}

describe('application frames', () => {
  const message = {
    type: 'statusUpdate',
    taskId: 7,
    text: 'naïve ☃ 𝄞',
    when: new Date(5),
    big: 2n ** 70n,
    set: new Set([1]),
  };

  it('encode to the documented layout (head + body written after it)', () => {
    const body = Buffer.from('raw body bytes');
    const head = encodeAppFrameHead(FrameKind.REQUEST, 42, message, body.length, 1 << 20);
    const ours = Buffer.concat([head, body]);
    const hand = handAppFrame(FrameKind.REQUEST, 42, message, body);
    // v8 may pad differently at another offset; the fixed prefix must match and both must decode alike
    expect(ours.subarray(4, 9)).toEqual(hand.subarray(4, 9));
    expect(ours.readUInt32BE(0)).toBe(ours.length - 4);
    const decoded = decodeAppFrame(FrameKind.REQUEST, ours.subarray(5));
    expect(decoded.requestId).toBe(42);
    expect(decoded.message).toEqual(message);
    expect(decoded.body.toString()).toBe('raw body bytes');
  });

  it('decode a frame built by hand', () => {
    const body = Buffer.from([1, 2, 3]);
    const frame = handAppFrame(FrameKind.ONE_WAY, 0, { type: 'heartbeat', executorId: '3' }, body);
    const decoded = decodeAppFrame(FrameKind.ONE_WAY, frame.subarray(5));
    expect(decoded).toEqual({
      kind: FrameKind.ONE_WAY,
      requestId: 0,
      message: { type: 'heartbeat', executorId: '3' },
      body,
    });
  });

  it('give an empty body when none was sent, and keep a Buffer inside the message intact', () => {
    const inside = { type: 'block', bytes: Buffer.from('inline') };
    const decoded = decodeAppFrame(
      FrameKind.RESPONSE,
      handAppFrame(FrameKind.RESPONSE, 9, inside).subarray(5),
    );
    expect(decoded.body.length).toBe(0);
    expect(Buffer.from(decoded.message.bytes as Uint8Array).toString()).toBe('inline');
  });

  it('refuse to encode a frame over the limit, counting the body', () => {
    const head = encodeAppFrameHead(FrameKind.ONE_WAY, 0, { type: 'x' }, 0, 1000);
    const headLength = head.readUInt32BE(0);
    expect(() =>
      encodeAppFrameHead(FrameKind.ONE_WAY, 0, { type: 'x' }, 1000 - headLength, 1000),
    ).not.toThrow();
    expect(() => encodeAppFrameHead(FrameKind.ONE_WAY, 0, { type: 'x' }, 1001 - headLength, 1000)).toThrow(
      RpcFrameTooLargeError,
    );
  });

  it('reject headers that are not { type: string } objects, or that overrun the frame', () => {
    for (const bad of [42, 'text', null, { kind: 'no type' }, { type: 5 }]) {
      const frame = handAppFrame(FrameKind.ONE_WAY, 0, bad);
      expect(() => decodeAppFrame(FrameKind.ONE_WAY, frame.subarray(5))).toThrow(RpcProtocolError);
    }
    const overrun = handAppFrame(FrameKind.ONE_WAY, 0, { type: 'x' });
    overrun.writeUInt32BE(1000, 9);
    expect(() => decodeAppFrame(FrameKind.ONE_WAY, overrun.subarray(5))).toThrow(/overruns the frame/);
    const garbage = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 3]), Buffer.from([0xff, 0x0f, 0x99])]);
    expect(() => decodeAppFrame(FrameKind.ONE_WAY, garbage)).toThrow(RpcProtocolError);
    expect(() => decodeAppFrame(FrameKind.ONE_WAY, Buffer.alloc(5))).toThrow(
      /shorter than its 8-byte prefix/,
    );
  });
});
