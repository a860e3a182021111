import { describe, expect, it } from 'vitest';
import { encodeSaslFrame, decodeSaslMessage } from '../../../../src/hadoop/ipc/codec/sasl-message.js';
import {
  encodeConnectionContextFrame,
  decodeConnectionContext,
} from '../../../../src/hadoop/ipc/codec/connection-context.js';
import { decodeRequestFrame, encodePingFrame } from '../../../../src/hadoop/ipc/codec/request-frame.js';
import { decodeResponseFrame, encodeResponseFrame } from '../../../../src/hadoop/ipc/codec/response-frame.js';
import { FrameDecoder } from '../../../../src/hadoop/ipc/codec/frame-decoder.js';
import { remoteErrorFromResponse, RemoteErrorCode } from '../../../../src/hadoop/ipc/remote-errors.js';
import { SaslRpcClient } from '../../../../src/hadoop/security/sasl-client.js';
import { FIXTURE_CLIENT_ID, fixture, hexOf } from './fixtures.js';

// Frames written by Hadoop 3.4.3's ProtoUtil / RpcHeaderProtos builders
// (scripts/fixtures/ipc/HadoopIpcFixtures.java). Our encoder must produce
// the same bytes from the same values, and our decoder must read them.
const AMP = 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB';
const CMP = 'org.apache.hadoop.yarn.api.ContainerManagementProtocolPB';
const body = (frame: Uint8Array) => {
  const frames = new FrameDecoder().push(frame);
  expect(frames).toHaveLength(1);
  return frames[0]!;
};

describe('IPC frames written by Hadoop', () => {
  it('SASL NEGOTIATE request', () => {
    expect(hexOf(encodeSaslFrame({ state: 'NEGOTIATE' }))).toBe(hexOf(fixture('sasl-negotiate.request.bin')));
  });

  it('connection context with TOKEN auth: empty userInfo', () => {
    const bytes = fixture('connection-context-token.request.bin');
    expect(hexOf(encodeConnectionContextFrame({ protocol: AMP }, FIXTURE_CLIENT_ID))).toBe(hexOf(bytes));
    const frame = decodeRequestFrame(body(bytes));
    expect(frame.header).toMatchObject({ callId: -3, retryCount: -1, rpcKind: 2, rpcOp: 0 });
    expect(decodeConnectionContext(frame.payloads[0]!)).toEqual({
      protocol: AMP,
      effectiveUser: undefined,
      realUser: undefined,
      hasUserInfo: true,
    });
  });

  it('connection context with SIMPLE auth: effectiveUser', () => {
    const bytes = fixture('connection-context-simple.request.bin');
    expect(
      hexOf(encodeConnectionContextFrame({ protocol: CMP, effectiveUser: 'alice' }, FIXTURE_CLIENT_ID)),
    ).toBe(hexOf(bytes));
  });

  it('ping', () => {
    expect(hexOf(encodePingFrame(FIXTURE_CLIENT_ID))).toBe(hexOf(fixture('ping.request.bin')));
  });

  it('drives our SASL client with the server NEGOTIATE and produces the exact INITIATE frame Hadoop would send', () => {
    const negotiate = decodeResponseFrame(body(fixture('sasl-negotiate.response.bin')));
    expect(negotiate.header).toMatchObject({
      callId: -33,
      status: 'SUCCESS',
      serverIpcVersionNum: 9,
      retryCount: -1,
    });
    const offer = decodeSaslMessage(negotiate.payload!);
    expect(offer.state).toBe('NEGOTIATE');
    expect(offer.auths?.map((a) => [a.method, a.mechanism, a.protocol, a.serverId])).toEqual([
      ['TOKEN', 'DIGEST-MD5', '', 'default'],
      ['SIMPLE', '', undefined, undefined],
    ]);

    const client = new SaslRpcClient({
      token: {
        identifier: Buffer.from('0a0d0a09080d109f81d5b2f32d10011005', 'hex'),
        password: Buffer.from('0102030405060708090a0b0c0d0e0f1011121314', 'hex'),
        kind: 'YARN_AM_RM_TOKEN',
        service: '',
      },
      allowSimple: false,
      randomBytes: () => Buffer.from('cnonce-test'),
      peer: 'rm',
    });
    client.start();
    const step = client.receive(offer);
    expect(hexOf(encodeSaslFrame(step.send!))).toBe(hexOf(fixture('sasl-initiate.request.bin')));

    const success = decodeResponseFrame(body(fixture('sasl-success.response.bin')));
    expect(client.receive(decodeSaslMessage(success.payload!))).toEqual({
      done: { method: 'TOKEN', qop: 'auth' },
    });
  });

  it('encodes the SASL replies the way Hadoop servers do (for our fake servers)', () => {
    const success = decodeResponseFrame(body(fixture('sasl-success.response.bin')));
    expect(hexOf(encodeResponseFrame(success.header, success.payload))).toBe(
      hexOf(fixture('sasl-success.response.bin')),
    );
  });

  it('ERROR response: typed error with the Java class, first message line and no payload', () => {
    const frame = decodeResponseFrame(body(fixture('error-not-registered.response.bin')));
    expect(frame.payload).toBeUndefined();
    expect(frame.header).toMatchObject({
      callId: 5,
      status: 'ERROR',
      errorDetail: 'ERROR_APPLICATION',
      retryCount: 0,
    });
    const error = remoteErrorFromResponse(frame.header, false, { method: 'allocate' });
    expect(error.code).toBe(RemoteErrorCode.AM_NOT_REGISTERED);
    expect(error.javaClass).toBe('org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException');
    expect(error.remoteMessage).toBe(
      'Application Master is trying to allocate before registering for: appattempt_1700000000000_0013_000001',
    );
    expect(error.message).toMatch(
      /^ApplicationMasterNotRegisteredException in allocate: Application Master is trying/,
    );
    expect(error.message).not.toContain('\tat ');
    expect(error.remoteDetail).toContain('DefaultAMSProcessor');
    expect(hexOf(encodeResponseFrame(frame.header))).toBe(
      hexOf(fixture('error-not-registered.response.bin')),
    );
  });

  it('FATAL SASL response: InvalidToken, not retriable', () => {
    const frame = decodeResponseFrame(body(fixture('fatal-invalid-token.response.bin')));
    expect(frame.header).toMatchObject({ callId: -33, status: 'FATAL', errorDetail: 'FATAL_UNAUTHORIZED' });
    const error = remoteErrorFromResponse(frame.header, true);
    expect(error.code).toBe(RemoteErrorCode.INVALID_TOKEN);
    expect(error.retriable).toBe(false);
    expect(error.fatal).toBe(true);
  });
});
