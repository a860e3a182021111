import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../../src/hadoop/ipc/codec/frame-decoder.js';
import {
  decodeResponseFrame,
  type DecodedResponseFrame,
} from '../../../../src/hadoop/ipc/codec/response-frame.js';
import { decodeSaslMessage } from '../../../../src/hadoop/ipc/codec/sasl-message.js';
import { decodeMessage, YarnTypes } from '../../../../src/hadoop/ipc/proto/messages.js';
import {
  allocateResponseFromProto,
  getContainerStatusesResponseFromProto,
  registerResponseFromProto,
  startContainersResponseFromProto,
} from '../../../../src/hadoop/ipc/protocols/yarn-records.js';
import { formatContainerId, formatNodeId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import { parseDigestChallenge } from '../../../../src/hadoop/security/digest-md5.js';
import { fixture } from './fixtures.js';

// Byte streams the real RM and NM of the test cluster sent during an AM
// session (scripts/fixtures/ipc/capture-live-exchange.mjs; what was asked is
// in live-session.json, with ids and limits taken from the RM REST API).
const info = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../fixtures/ipc/live-session.json', import.meta.url)), 'utf8'),
) as {
  applicationId: string;
  nodeManagers: string[];
  maximumResourceCapability: { memory: number; vCores: number };
};
const appSuffix = info.applicationId.slice('application_'.length);

/** Feeds a stream through the decoder in chunks of `size` bytes. */
function frames(stream: Uint8Array, size: number): DecodedResponseFrame[] {
  const decoder = new FrameDecoder();
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(...decoder.push(stream.subarray(at, at + size)));
  expect(decoder.pendingBytes).toBe(0);
  return out.map(decodeResponseFrame);
}

function expectSaslHandshake(stream: DecodedResponseFrame[]): void {
  const [negotiate, success] = stream;
  expect(negotiate!.header).toMatchObject({ callId: -33, status: 'SUCCESS', serverIpcVersionNum: 9 });
  const offer = decodeSaslMessage(negotiate!.payload!);
  expect(offer.state).toBe('NEGOTIATE');
  expect(offer.auths).toHaveLength(1);
  const auth = offer.auths![0]!;
  expect([auth.method, auth.mechanism, auth.protocol, auth.serverId]).toEqual([
    'TOKEN',
    'DIGEST-MD5',
    '',
    'default',
  ]);
  const challenge = parseDigestChallenge(auth.challenge!);
  expect(challenge).toMatchObject({
    realm: 'default',
    qop: ['auth'],
    algorithm: 'md5-sess',
    charset: 'utf-8',
  });
  const done = decodeSaslMessage(success!.payload!);
  expect(done.state).toBe('SUCCESS');
  expect(Buffer.from(done.token!).toString()).toMatch(/^rspauth=[0-9a-f]{32}$/);
}

describe('a live session with the real ResourceManager', () => {
  const rm = fixture('live-rm-session.bin');

  it('splits into the same frames whatever the chunk size', () => {
    const whole = frames(rm, rm.length);
    for (const size of [1, 3, 7, 64, 500]) expect(frames(rm, size)).toEqual(whole);
  });

  it('authenticates with TOKEN/DIGEST-MD5, qop auth, realm default', () => {
    expectSaslHandshake(frames(rm, 13));
  });

  it('answers register, allocate and finish in call order, echoing one client id', () => {
    const calls = frames(rm, 29).slice(2);
    const ids = calls.map((f) => f.header.callId);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(calls.every((f) => f.header.status === 'SUCCESS' && f.payload !== undefined)).toBe(true);
    const clientIds = new Set(calls.map((f) => Buffer.from(f.header.clientId!).toString('hex')));
    expect(clientIds.size).toBe(1);
    expect([...clientIds][0]).toHaveLength(32);

    const registration = registerResponseFromProto(
      decodeMessage(YarnTypes.RegisterApplicationMasterResponseProto, calls[0]!.payload!),
    );
    expect(registration.maximumCapability).toMatchObject({
      memoryMb: info.maximumResourceCapability.memory,
      vcores: info.maximumResourceCapability.vCores,
    });

    const finish = decodeMessage(YarnTypes.FinishApplicationMasterResponseProto, calls.at(-1)!.payload!);
    expect(finish.isUnregistered).toBe(true);

    const allocations = calls
      .slice(1)
      .map((f) => {
        try {
          return allocateResponseFromProto(decodeMessage(YarnTypes.AllocateResponseProto, f.payload!));
        } catch {
          return undefined;
        }
      })
      .filter((a) => a !== undefined && a.responseId > 0);
    // response ids run 1, 2, 3, ... from registration
    expect(allocations.map((a) => a!.responseId)).toEqual(allocations.map((_, i) => i + 1));
    const allocated = allocations.flatMap((a) => a!.allocatedContainers);
    expect(allocated).toHaveLength(1);
    const container = allocated[0]!;
    expect(formatContainerId(container.id)).toMatch(new RegExp(`^container_${appSuffix}_01_\\d{6}$`));
    expect(info.nodeManagers).toContain(formatNodeId(container.nodeId));
    expect(container.resource!.memoryMb).toBeGreaterThanOrEqual(256);
    expect(container.containerToken!.kind).toBe('ContainerToken');
    const nmTokens = allocations.flatMap((a) => a!.nmTokens);
    expect(nmTokens.map((t) => [formatNodeId(t.nodeId), t.token.kind])).toEqual([
      [formatNodeId(container.nodeId), 'NMToken'],
    ]);
    const completed = allocations.flatMap((a) => a!.completedContainerStatuses);
    expect(completed.map((s) => [formatContainerId(s.containerId), s.state, s.exitStatus])).toEqual([
      [formatContainerId(container.id), 'COMPLETE', 0],
    ]);
    expect(allocations.every((a) => a!.numClusterNodes === info.nodeManagers.length)).toBe(true);
  });
});

describe('a live session with a real NodeManager', () => {
  const nm = fixture('live-nm-session.bin');

  it('authenticates, starts the container and reports its status', () => {
    const stream = frames(nm, 5);
    expectSaslHandshake(stream);
    expect(stream).toHaveLength(4);
    const started = startContainersResponseFromProto(
      decodeMessage(YarnTypes.StartContainersResponseProto, stream[2]!.payload!),
    );
    expect(started.failed).toEqual([]);
    expect(started.succeeded).toHaveLength(1);
    const id = formatContainerId(started.succeeded[0]!);
    expect(id).toMatch(new RegExp(`^container_${appSuffix}_01_\\d{6}$`));
    const statuses = getContainerStatusesResponseFromProto(
      decodeMessage(YarnTypes.GetContainerStatusesResponseProto, stream[3]!.payload!),
    );
    expect(statuses.statuses.map((s) => formatContainerId(s.containerId))).toEqual([id]);
    expect(['NEW', 'RUNNING', 'COMPLETE']).toContain(statuses.statuses[0]!.state);
  });
});
