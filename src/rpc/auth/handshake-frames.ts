import { RpcProtocolError } from '../errors.js';
import { encodeRawFrame, FrameKind } from '../codec/frame.js';

/**
 * Handshake frames: fixed binary layouts, parsed by hand (never node:v8),
 * so nothing an unauthenticated peer sends reaches a general deserializer.
 *
 *   HELLO        'TSRPC' (5 bytes) | version u8 | client nonce (32 bytes)
 *   CHALLENGE    server nonce (32 bytes) | server proof (32 bytes)
 *   PROOF        client proof (32 bytes)
 *   AUTH_OK      (no bytes)
 *   AUTH_FAILED  reason u8 (AuthFailure)
 */

export const MAGIC = Buffer.from('TSRPC', 'ascii');
export const PROTOCOL_VERSION = 1;
export const NONCE_BYTES = 32;
/** HMAC-SHA256 output. */
export const PROOF_BYTES = 32;

export const AuthFailure = {
  BAD_PROOF: 1,
  UNSUPPORTED_VERSION: 2,
  PROTOCOL: 3,
} as const;
export type AuthFailureValue = (typeof AuthFailure)[keyof typeof AuthFailure];

export interface Hello {
  version: number;
  clientNonce: Buffer;
}
export interface Challenge {
  serverNonce: Buffer;
  serverProof: Buffer;
}

export function encodeHello(clientNonce: Uint8Array, version = PROTOCOL_VERSION): Buffer {
  return encodeRawFrame(FrameKind.HELLO, Buffer.concat([MAGIC, Buffer.of(version), clientNonce]));
}

export function decodeHello(payload: Buffer): Hello {
  if (payload.length < MAGIC.length || !payload.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new RpcProtocolError('HELLO without the TSRPC magic: the peer is not a tspark RPC client');
  }
  expectLength('HELLO', payload, MAGIC.length + 1 + NONCE_BYTES);
  return { version: payload[MAGIC.length]!, clientNonce: payload.subarray(MAGIC.length + 1) };
}

export function encodeChallenge(serverNonce: Uint8Array, serverProof: Uint8Array): Buffer {
  return encodeRawFrame(FrameKind.CHALLENGE, Buffer.concat([serverNonce, serverProof]));
}

export function decodeChallenge(payload: Buffer): Challenge {
  expectLength('CHALLENGE', payload, NONCE_BYTES + PROOF_BYTES);
  return { serverNonce: payload.subarray(0, NONCE_BYTES), serverProof: payload.subarray(NONCE_BYTES) };
}

export function encodeProof(clientProof: Uint8Array): Buffer {
  return encodeRawFrame(FrameKind.PROOF, clientProof);
}

export function decodeProof(payload: Buffer): Buffer {
  expectLength('PROOF', payload, PROOF_BYTES);
  return payload;
}

export function encodeAuthOk(): Buffer {
  return encodeRawFrame(FrameKind.AUTH_OK);
}

export function encodeAuthFailed(reason: AuthFailureValue): Buffer {
  return encodeRawFrame(FrameKind.AUTH_FAILED, Buffer.of(reason));
}

export function decodeAuthFailed(payload: Buffer): number {
  expectLength('AUTH_FAILED', payload, 1);
  return payload[0]!;
}

function expectLength(name: string, payload: Buffer, expected: number): void {
  if (payload.length !== expected) {
    throw new RpcProtocolError(
      `${name} frame has ${payload.length} bytes after its kind, expected ${expected}`,
    );
  }
}
