import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  timingSafeEqual,
  type Cipher,
  type Decipher,
} from 'node:crypto';
import { digestHA1, type DigestInputs } from './digest-md5.js';

/**
 * The DIGEST-MD5 security layer (RFC 2831 §2.3 integrity, §2.4
 * confidentiality) for servers whose hadoop.rpc.protection leaves no plain
 * "auth": every byte after authentication travels inside wrapped SASL
 * messages. Only the 3des cipher is offered for auth-conf: Node 17+ (OpenSSL
 * 3) has no RC4 or single DES by default.
 *
 *   auth-int   msg | HMAC-MD5(Kic, seq | msg)[0..10] | 00 01 | seq
 *   auth-conf  3DES-CBC(msg | pad | HMAC-MD5(Kic, seq | msg)[0..10]) | 00 01 | seq
 *
 * seq is a 4-byte big-endian counter per direction starting at 0; the CBC
 * state runs on across messages. Checked against the JDK's own DIGEST-MD5
 * client and server (test/fixtures/ipc/jdk-digest-md5.txt).
 */
export interface SaslSecurityLayer {
  readonly qop: 'auth-int' | 'auth-conf';
  /** Largest plaintext to pass to one wrap() (the server's maxbuf minus the overhead). */
  readonly rawSendSize: number;
  wrap(message: Uint8Array): Uint8Array;
  unwrap(token: Uint8Array): Uint8Array;
}

const md5 = (...parts: Uint8Array[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};
const text = (s: string) => Buffer.from(s, 'ascii');

const CLIENT_SIGN = 'Digest session key to client-to-server signing key magic constant';
const SERVER_SIGN = 'Digest session key to server-to-client signing key magic constant';
const CLIENT_SEAL = 'Digest H(A1) to client-to-server sealing key magic constant';
const SERVER_SEAL = 'Digest H(A1) to server-to-client sealing key magic constant';

export interface DigestSessionKeys {
  kic: Buffer;
  kis: Buffer;
  kcc: Buffer;
  kcs: Buffer;
}

/** The integrity (Ki*) and 3des confidentiality (Kc*) keys of a session (RFC 2831 §2.3, §2.4). */
export function digestSessionKeys(inputs: DigestInputs): DigestSessionKeys {
  const ha1 = digestHA1(inputs);
  return {
    kic: md5(ha1, text(CLIENT_SIGN)),
    kis: md5(ha1, text(SERVER_SIGN)),
    kcc: md5(ha1.subarray(0, 16), text(CLIENT_SEAL)),
    kcs: md5(ha1.subarray(0, 16), text(SERVER_SEAL)),
  };
}

/** Spreads 7 key bytes over 8 DES key bytes (7 bits each, high first) with odd parity in the low bit. */
export function desKeyWithParity(seven: Uint8Array): Buffer {
  let bits = 0n;
  for (const b of seven) bits = (bits << 8n) | BigInt(b);
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) {
    let byte = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn) << 1;
    let ones = 0;
    for (let v = byte; v; v >>= 1) ones += v & 1;
    if (ones % 2 === 0) byte |= 1;
    out[i] = byte;
  }
  return out;
}

function seqBytes(seq: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(seq >>> 0, 0);
  return b;
}

const MESSAGE_TYPE = Buffer.from([0x00, 0x01]);

/** A security layer for the negotiated qop; `maxbuf` is the server's (default 65536). */
export function createDigestSecurityLayer(
  inputs: DigestInputs & { qop: 'auth-int' | 'auth-conf' },
  maxbuf = 65536,
  /** 'server' swaps the directions (for test servers and for checking against the JDK's server). */
  side: 'client' | 'server' = 'client',
): SaslSecurityLayer {
  const session = digestSessionKeys(inputs);
  const keys =
    side === 'client' ? session : { kic: session.kis, kis: session.kic, kcc: session.kcs, kcs: session.kcc };
  let sendSeq = 0;
  let recvSeq = 0;
  const mac = (key: Buffer, seq: number, msg: Uint8Array) =>
    createHmac('md5', key).update(seqBytes(seq)).update(msg).digest().subarray(0, 10);

  let encipher: Cipher | undefined;
  let decipher: Decipher | undefined;
  if (inputs.qop === 'auth-conf') {
    const keyOf = (k: Buffer) =>
      Buffer.concat([desKeyWithParity(k.subarray(0, 7)), desKeyWithParity(k.subarray(7, 14))]);
    encipher = createCipheriv('des-ede-cbc', keyOf(keys.kcc), keys.kcc.subarray(8, 16)).setAutoPadding(false);
    decipher = createDecipheriv('des-ede-cbc', keyOf(keys.kcs), keys.kcs.subarray(8, 16)).setAutoPadding(
      false,
    );
  }

  const checkTrailer = (token: Uint8Array, trailerAt: number): number => {
    const type = token.subarray(trailerAt, trailerAt + 2);
    const seq = Buffer.from(token.subarray(trailerAt + 2, trailerAt + 6)).readUInt32BE(0);
    if (!MESSAGE_TYPE.equals(type))
      throw new Error('SASL security layer: wrapped message has an unknown type');
    if (seq !== recvSeq) throw new Error(`SASL security layer: sequence number ${seq}, expected ${recvSeq}`);
    return seq;
  };

  return {
    qop: inputs.qop,
    // As the JDK reports it: 65520 (auth-int) and 65510 (auth-conf) for maxbuf 65536.
    rawSendSize: maxbuf - (inputs.qop === 'auth-int' ? 16 : 26),
    wrap(message) {
      // Like the JDK, an empty message is sent as is and uses no sequence number.
      if (message.length === 0) return new Uint8Array(0);
      const seq = sendSeq++;
      const hmac = mac(keys.kic, seq, message);
      if (!encipher) return Buffer.concat([message, hmac, MESSAGE_TYPE, seqBytes(seq)]);
      const padLength = 8 - ((message.length + 10) % 8);
      const padded = Buffer.concat([message, Buffer.alloc(padLength, padLength), hmac]);
      return Buffer.concat([encipher.update(padded), MESSAGE_TYPE, seqBytes(seq)]);
    },
    unwrap(token) {
      if (token.length === 0) return new Uint8Array(0);
      if (token.length < 16)
        throw new Error(`SASL security layer: wrapped message of ${token.length} bytes is too short`);
      const trailerAt = token.length - 6;
      const seq = checkTrailer(token, trailerAt);
      let message: Buffer;
      let hmac: Buffer;
      if (!decipher) {
        message = Buffer.from(token.subarray(0, trailerAt - 10));
        hmac = Buffer.from(token.subarray(trailerAt - 10, trailerAt));
      } else {
        if (trailerAt % 8 !== 0)
          throw new Error('SASL security layer: encrypted message is not a whole number of blocks');
        const plain = decipher.update(token.subarray(0, trailerAt));
        hmac = plain.subarray(plain.length - 10);
        const padLength = plain[plain.length - 11] ?? 0;
        if (padLength < 1 || padLength > 8) throw new Error('SASL security layer: bad padding');
        message = plain.subarray(0, plain.length - 10 - padLength);
      }
      if (!timingSafeEqual(hmac, mac(keys.kis, seq, message))) {
        throw new Error('SASL security layer: message integrity check failed');
      }
      recvSeq++;
      return message;
    },
  };
}
