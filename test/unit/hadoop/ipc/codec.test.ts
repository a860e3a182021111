import { describe, expect, it } from 'vitest';
import { encodePreamble, decodePreamble } from '../../../../src/hadoop/ipc/codec/preamble.js';
import { AuthProtocol } from '../../../../src/hadoop/ipc/codec/constants.js';
import { encodeSaslFrame, decodeSaslMessage } from '../../../../src/hadoop/ipc/codec/sasl-message.js';
import { encodeConnectionContextFrame } from '../../../../src/hadoop/ipc/codec/connection-context.js';
import {
  decodeRequestFrame,
  decodeRpcRequestHeaderProto,
  encodeCallFrame,
  encodePingFrame,
} from '../../../../src/hadoop/ipc/codec/request-frame.js';
import { decodeResponseFrame } from '../../../../src/hadoop/ipc/codec/response-frame.js';
import { FrameDecoder } from '../../../../src/hadoop/ipc/codec/frame-decoder.js';
import { IpcProtocolError } from '../../../../src/hadoop/ipc/errors.js';

// Byte layouts below are written out by hand from the field tables of
// Hadoop's RpcHeader.proto / IpcConnectionContext.proto / ProtobufRpcEngine2.proto
// (docs: hadoop-ipc brief §4.6), not produced by our encoder. Hadoop-made
// bytes are checked in hadoop-fixtures.test.ts.
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex');
const AMP = 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB';
const CLIENT_ID = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
/** One-byte varint length of a hex string's bytes. */
const lenHex = (h: string) => (h.length / 2).toString(16).padStart(2, '0');
const CLIENT_ID_HEX = Buffer.from(CLIENT_ID).toString('hex');

describe('preamble', () => {
  it('is hrpc, version 9, service class 0, then the auth protocol byte', () => {
    expect(encodePreamble(AuthProtocol.SASL)).toEqual(hex('68727063 09 00 df'));
    expect(encodePreamble(AuthProtocol.NONE)).toEqual(hex('68727063 09 00 00'));
    expect(decodePreamble(hex('68727063 09 00 df'))).toEqual({
      version: 9,
      serviceClass: 0,
      authProtocol: -33,
    });
    expect(decodePreamble(hex('47455420 2f 20 48'))).toBeUndefined();
  });
});

describe('request frames', () => {
  it('encodes the SASL NEGOTIATE frame with rpcOp 0 and an empty client id present', () => {
    const expected = hex('0000000e 0a 0802 1000 1841 2200 2801 02 1001');
    expect(encodeSaslFrame({ state: 'NEGOTIATE' })).toEqual(expected);
  });

  it('encodes the connection context for the RM with an empty userInfo', () => {
    const expected = hex(
      '00000056' + '1a 0802 1000 1805 2210' + CLIENT_ID_HEX + '2801' + '3a 1200 1a36' + ascii(AMP),
    );
    expect(encodeConnectionContextFrame({ protocol: AMP }, CLIENT_ID)).toEqual(expected);
  });

  it('encodes an allocate call: header, RequestHeaderProto, request', () => {
    const request = hex('2000 2d0000003f'); // response_id 0, progress 0.5f
    const expected = hex(
      '00000068' +
        '1a 0802 1000 1800 2210' +
        CLIENT_ID_HEX +
        '2800' +
        '44 0a08' +
        ascii('allocate') +
        '1236' +
        ascii(AMP) +
        '1801' +
        '07 2000 2d0000003f',
    );
    const frame = encodeCallFrame({
      callId: 0,
      clientId: CLIENT_ID,
      retryCount: 0,
      methodName: 'allocate',
      declaringClassProtocolName: AMP,
      clientProtocolVersion: 1n,
      request,
    });
    expect(frame).toEqual(expected);
    const decoded = decodeRequestFrame(frame.subarray(4));
    expect(decoded.header).toMatchObject({ rpcKind: 2, rpcOp: 0, callId: 0, retryCount: 0 });
    expect(decoded.payloads).toHaveLength(2);
    expect(decodeRpcRequestHeaderProto(decoded.payloads[0]!)).toEqual({
      methodName: 'allocate',
      declaringClassProtocolName: AMP,
      clientProtocolVersion: 1n,
    });
    expect(decoded.payloads[1]).toEqual(request);
  });

  it('zigzag-encodes large call ids and retry counts', () => {
    const frame = encodeCallFrame({
      callId: 0x7fffffff,
      clientId: CLIENT_ID,
      retryCount: 3,
      methodName: 'm',
      declaringClassProtocolName: 'p',
      clientProtocolVersion: 1n,
      request: new Uint8Array(0),
    });
    // zigzag(2^31-1) = 2^32-2 = varint fe ff ff ff 0f; zigzag(3) = 6
    expect(Buffer.from(frame).toString('hex')).toContain('18feffffff0f');
    expect(Buffer.from(frame).toString('hex')).toContain('2806');
    expect(decodeRequestFrame(frame.subarray(4)).header.callId).toBe(0x7fffffff);
  });

  it('encodes a ping as a bare header with call id -4', () => {
    expect(encodePingFrame(CLIENT_ID)).toEqual(
      hex('0000001b 1a 0802 1000 1807 2210' + CLIENT_ID_HEX + '2801'),
    );
  });
});

describe('response frames', () => {
  it('reads a SASL reply whose uint32 call id -33 is a 5-byte varint', () => {
    // header {callId -33, status SUCCESS, serverIpcVersionNum 9}; payload {state SUCCESS, token "rspauth=..."}
    const token = 'rspauth=0123456789abcdef0123456789abcdef';
    const payload = '1000' + '1a' + token.length.toString(16) + ascii(token);
    const header = '08dfffffff0f' + '1000' + '1809';
    const body = hex(lenHex(header) + header + lenHex(payload) + payload);
    const frame = decodeResponseFrame(body);
    expect(frame.header).toMatchObject({ callId: -33, status: 'SUCCESS', serverIpcVersionNum: 9 });
    const sasl = decodeSaslMessage(frame.payload!);
    expect(sasl.state).toBe('SUCCESS');
    expect(Buffer.from(sasl.token!).toString()).toBe(token);
  });

  it('reads an ERROR header with class, message and error code, and no payload', () => {
    const cls = 'org.apache.hadoop.yarn.exceptions.YarnException';
    const msg = 'boom';
    const headerHex =
      '0807' +
      '1001' +
      '1809' +
      '22' +
      cls.length.toString(16) +
      ascii(cls) +
      '2a04' +
      ascii(msg) +
      '3001' +
      '3a10' +
      CLIENT_ID_HEX +
      '4000';
    const body = hex(lenHex(headerHex) + headerHex);
    const frame = decodeResponseFrame(body);
    expect(frame.header).toEqual({
      callId: 7,
      status: 'ERROR',
      serverIpcVersionNum: 9,
      exceptionClassName: cls,
      errorMsg: msg,
      errorDetail: 'ERROR_APPLICATION',
      clientId: CLIENT_ID,
      retryCount: 0,
    });
    expect(frame.payload).toBeUndefined();
  });

  it('rejects trailing bytes and truncated payloads', () => {
    expect(() => decodeResponseFrame(hex('04 0800 1000 05 0102'))).toThrow(IpcProtocolError);
    expect(() => decodeResponseFrame(hex('04 0801 1001 00'))).toThrow(/trailing/);
  });
});

describe('FrameDecoder', () => {
  const frameA = encodeSaslFrame({ state: 'NEGOTIATE' });
  const frameB = encodeConnectionContextFrame({ protocol: AMP }, CLIENT_ID);
  const stream = new Uint8Array([...frameA, ...frameB]);

  it('returns both frames of one chunk', () => {
    const frames = new FrameDecoder().push(stream);
    expect(frames).toEqual([frameA.subarray(4), frameB.subarray(4)]);
  });

  it('reassembles the same frames when the stream is split at every boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(frames).toEqual([frameA.subarray(4), frameB.subarray(4)]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('reassembles when fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const frames: Uint8Array[] = [];
    for (const b of stream) frames.push(...decoder.push(Uint8Array.of(b)));
    expect(frames).toEqual([frameA.subarray(4), frameB.subarray(4)]);
  });

  it('accepts an empty frame and rejects absurd lengths', () => {
    expect(new FrameDecoder().push(hex('00000000'))).toEqual([new Uint8Array(0)]);
    expect(() => new FrameDecoder().push(hex('80000000'))).toThrow(IpcProtocolError);
    expect(() => new FrameDecoder({ maxFrameBytes: 10 }).push(hex('0000000b'))).toThrow(/outside/);
  });
});
