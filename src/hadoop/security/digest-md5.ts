import { createHash } from 'node:crypto';

/**
 * DIGEST-MD5 client computations (RFC 2831) as pure functions: the caller
 * supplies the client nonce, so every output is reproducible in tests.
 *
 * The security layers that auth-int and auth-conf add after authentication
 * are in digest-security-layer.ts.
 */

/** Directives of a server challenge (RFC 2831 §2.1.1); multi-valued qop/cipher split into lists. */
export interface DigestChallenge {
  realm: string | undefined;
  nonce: string;
  qop: string[];
  charset: string | undefined;
  algorithm: string;
  maxbuf: number | undefined;
  cipher: string[];
  /** Every directive as received (lower-case keys). */
  directives: Map<string, string>;
}

/**
 * Parses `key=value` pairs separated by commas, where values may be quoted
 * strings that contain commas and backslash escapes (RFC 2831 §7.1, the
 * "#rule" lists of RFC 2616). Splitting on every comma breaks on
 * `qop="auth-conf,auth-int,auth"`.
 */
export function parseDirectives(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const skipSpaceAndCommas = () => {
    while (i < n && /[\s,]/.test(text[i] as string)) i++;
  };
  skipSpaceAndCommas();
  while (i < n) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`malformed DIGEST-MD5 directive list near "${text.slice(i, i + 20)}"`);
    const key = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < n && /\s/.test(text[i] as string)) i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i] as string;
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) throw new Error(`unterminated quoted value for DIGEST-MD5 directive "${key}"`);
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      value = text.slice(i, end).trim();
      i = end;
    }
    if (key.length === 0) throw new Error('empty DIGEST-MD5 directive name');
    // RFC 2831: a directive other than realm appearing twice is an error; keep the first.
    if (!out.has(key)) out.set(key, value);
    skipSpaceAndCommas();
  }
  return out;
}

function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parseDigestChallenge(challenge: Uint8Array | string): DigestChallenge {
  const text = typeof challenge === 'string' ? challenge : Buffer.from(challenge).toString('utf8');
  const d = parseDirectives(text);
  const nonce = d.get('nonce');
  if (!nonce) throw new Error('DIGEST-MD5 challenge has no nonce');
  const algorithm = d.get('algorithm');
  if (algorithm !== 'md5-sess')
    throw new Error(`DIGEST-MD5 challenge has algorithm "${algorithm ?? ''}", expected md5-sess`);
  const maxbuf = d.get('maxbuf');
  return {
    realm: d.get('realm'),
    nonce,
    // RFC 2831 §2.1.1: qop defaults to "auth" when absent.
    qop: d.has('qop') ? splitList(d.get('qop')) : ['auth'],
    charset: d.get('charset'),
    algorithm,
    maxbuf: maxbuf === undefined ? undefined : Number(maxbuf),
    cipher: splitList(d.get('cipher')),
    directives: d,
  };
}

export interface DigestInputs {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  cnonce: string;
  /** Nonce count as 8 hex digits; always 00000001 for a single authentication. */
  nc: string;
  qop: 'auth' | 'auth-int' | 'auth-conf';
  digestUri: string;
  authzid?: string | undefined;
  /** auth-conf only: the cipher chosen from the challenge's list. */
  cipher?: string | undefined;
}

const md5 = (data: Buffer | string): Buffer => createHash('md5').update(data).digest();
const hexOf = (b: Buffer): string => b.toString('hex');

/** H(A1) as raw bytes; A1 = H(username:realm:password) + ":" nonce ":" cnonce [":" authzid] (§2.1.2.1). */
export function digestHA1(inputs: DigestInputs): Buffer {
  // With charset=utf-8 the RFC hashes ISO-8859-1 when every character fits;
  // Hadoop's usernames and passwords are Base64 (ASCII), where both agree.
  const inner = md5(Buffer.from(`${inputs.username}:${inputs.realm}:${inputs.password}`, 'utf8'));
  const tail = `:${inputs.nonce}:${inputs.cnonce}` + (inputs.authzid ? `:${inputs.authzid}` : '');
  return md5(Buffer.concat([inner, Buffer.from(tail, 'utf8')]));
}

function digestValue(inputs: DigestInputs, a2Prefix: string): string {
  let a2 = `${a2Prefix}:${inputs.digestUri}`;
  if (inputs.qop === 'auth-int' || inputs.qop === 'auth-conf') a2 += ':00000000000000000000000000000000';
  const ha1 = hexOf(digestHA1(inputs));
  const ha2 = hexOf(md5(a2));
  // KD(k, s) = H(k ":" s)
  return hexOf(md5(`${ha1}:${inputs.nonce}:${inputs.nc}:${inputs.cnonce}:${inputs.qop}:${ha2}`));
}

/** The `response` directive the client sends (§2.1.2.1, A2 = "AUTHENTICATE:" digest-uri). */
export function digestResponse(inputs: DigestInputs): string {
  return digestValue(inputs, 'AUTHENTICATE');
}

/** The `rspauth` the server must send back (§2.1.3, A2 = ":" digest-uri). */
export function expectedRspauth(inputs: DigestInputs): string {
  return digestValue(inputs, '');
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** The client's digest-response string (§2.1.2). */
export function encodeDigestResponse(inputs: DigestInputs, maxbuf = 65536): string {
  const parts = [
    'charset=utf-8',
    `username=${quote(inputs.username)}`,
    `realm=${quote(inputs.realm)}`,
    `nonce=${quote(inputs.nonce)}`,
    `nc=${inputs.nc}`,
    `cnonce=${quote(inputs.cnonce)}`,
    `digest-uri=${quote(inputs.digestUri)}`,
    `maxbuf=${maxbuf}`,
    `response=${digestResponse(inputs)}`,
    `qop=${inputs.qop}`,
  ];
  if (inputs.qop === 'auth-conf' && inputs.cipher) parts.push(`cipher=${quote(inputs.cipher)}`);
  if (inputs.authzid) parts.push(`authzid=${quote(inputs.authzid)}`);
  return parts.join(',');
}

/** Reads `rspauth=<32 hex>` from the server's final message; undefined if absent. */
export function parseRspauth(token: Uint8Array | string): string | undefined {
  const text = typeof token === 'string' ? token : Buffer.from(token).toString('utf8');
  return parseDirectives(text).get('rspauth');
}

/** A client nonce from random bytes: Base64 has no quotes, commas or backslashes. */
export function makeCnonce(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(18)).toString('base64');
}
