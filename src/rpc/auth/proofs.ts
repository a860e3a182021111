import { createHmac, timingSafeEqual } from 'node:crypto';
import { NONCE_BYTES, PROOF_BYTES } from './handshake-frames.js';

/**
 * The two proofs of the mutual challenge-response. Each side proves it holds
 * the secret by a keyed hash over both fresh nonces; the secret itself never
 * crosses the wire.
 *
 *   server proof = HMAC-SHA256(secret, "server" | client nonce | server nonce)
 *   client proof = HMAC-SHA256(secret, "client" | server nonce | client nonce)
 *
 * The labels and the swapped nonce order make the two proofs different, so a
 * peer cannot reflect the server's proof back as its own. Fresh random nonces
 * on both sides make a recorded proof useless on another connection. Nonces
 * have a fixed length, so the concatenation is unambiguous.
 */

const SERVER_LABEL = Buffer.from('server', 'ascii');
const CLIENT_LABEL = Buffer.from('client', 'ascii');

export function serverProof(secret: Buffer, clientNonce: Uint8Array, serverNonce: Uint8Array): Buffer {
  return hmac(secret, SERVER_LABEL, clientNonce, serverNonce);
}

export function clientProof(secret: Buffer, serverNonce: Uint8Array, clientNonce: Uint8Array): Buffer {
  return hmac(secret, CLIENT_LABEL, serverNonce, clientNonce);
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(received: Uint8Array, expected: Uint8Array): boolean {
  return (
    received.length === PROOF_BYTES && expected.length === PROOF_BYTES && timingSafeEqual(received, expected)
  );
}

function hmac(secret: Buffer, label: Buffer, first: Uint8Array, second: Uint8Array): Buffer {
  if (first.length !== NONCE_BYTES || second.length !== NONCE_BYTES) {
    throw new RangeError(`nonces must be ${NONCE_BYTES} bytes`);
  }
  return createHmac('sha256', secret).update(label).update(first).update(second).digest();
}
