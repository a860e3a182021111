import { describe, expect, it } from 'vitest';
import {
  digestHA1,
  digestResponse,
  encodeDigestResponse,
  expectedRspauth,
  parseDigestChallenge,
  parseDirectives,
  parseRspauth,
  type DigestInputs,
} from '../../../../src/hadoop/security/digest-md5.js';

describe('DIGEST-MD5 (RFC 2831)', () => {
  // RFC 2831 §4, the IMAP example: values and expected digests from the RFC text.
  const rfc: DigestInputs = {
    username: 'chris',
    password: 'secret',
    realm: 'elwood.innosoft.com',
    nonce: 'OA6MG9tEQGm2hh',
    cnonce: 'OA6MHXh6VqTrRk',
    nc: '00000001',
    qop: 'auth',
    digestUri: 'imap/elwood.innosoft.com',
  };

  it('computes the response and rspauth of RFC 2831 §4', () => {
    expect(digestResponse(rfc)).toBe('d388dad90d4bbd760a152321f2143af7');
    expect(expectedRspauth(rfc)).toBe('ea40f60335c427b5527b84dbabcdfffd');
  });

  it('parses the RFC 2831 §4 challenge', () => {
    const c = parseDigestChallenge(
      'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8',
    );
    expect(c).toMatchObject({
      realm: 'elwood.innosoft.com',
      nonce: 'OA6MG9tEQGm2hh',
      qop: ['auth'],
      charset: 'utf-8',
    });
  });

  // Hadoop TOKEN vector (hadoop-ipc brief §6.8), accepted by the JDK 17
  // DIGEST-MD5 server configured as Hadoop configures its token servers.
  const identifier = Buffer.from('0a0d0a09080d109f81d5b2f32d10011005', 'hex');
  const password = Buffer.from('0102030405060708090a0b0c0d0e0f1011121314', 'hex');
  const hadoop: DigestInputs = {
    username: identifier.toString('base64'),
    password: password.toString('base64'),
    realm: 'default',
    nonce: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=',
    cnonce: 'Y25vbmNlLXRlc3Q=',
    nc: '00000001',
    qop: 'auth',
    digestUri: '/default',
  };

  it('derives Hadoop username and password as Base64 of the token bytes', () => {
    expect(hadoop.username).toBe('Cg0KCQgNEJ+B1bLzLRABEAU=');
    expect(hadoop.password).toBe('AQIDBAUGBwgJCgsMDQ4PEBESExQ=');
  });

  it('computes H(A1), response and rspauth of the Hadoop vector for qop auth and auth-int', () => {
    expect(digestHA1(hadoop).toString('hex')).toBe('1b1d1b505cec3ad6c72d9e71b19b642a');
    expect(digestResponse(hadoop)).toBe('9bd402c984686ee6a76a75c25b29448f');
    expect(expectedRspauth(hadoop)).toBe('834864b3ffd31ac1fb4562a94c64e0ba');
    const authInt = { ...hadoop, qop: 'auth-int' as const };
    expect(digestResponse(authInt)).toBe('394a861659ac888bb07b2b2065c66c8e');
    expect(expectedRspauth(authInt)).toBe('84751fcf9ae7e156bdca3cc78845d131');
  });

  it('writes every directive the server needs in the response string', () => {
    const text = encodeDigestResponse(hadoop);
    const d = parseDirectives(text);
    expect(Object.fromEntries(d)).toEqual({
      charset: 'utf-8',
      username: 'Cg0KCQgNEJ+B1bLzLRABEAU=',
      realm: 'default',
      nonce: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=',
      nc: '00000001',
      cnonce: 'Y25vbmNlLXRlc3Q=',
      'digest-uri': '/default',
      maxbuf: '65536',
      response: '9bd402c984686ee6a76a75c25b29448f',
      qop: 'auth',
    });
  });

  it('parses quoted values that contain commas (multi-valued qop and cipher)', () => {
    const c = parseDigestChallenge(
      'realm="default",nonce="TQtZ,ZGB",qop="auth-conf,auth-int,auth",charset=utf-8,cipher="3des,rc4,des,rc4-56,rc4-40",algorithm=md5-sess',
    );
    expect(c.nonce).toBe('TQtZ,ZGB');
    expect(c.qop).toEqual(['auth-conf', 'auth-int', 'auth']);
    expect(c.cipher).toEqual(['3des', 'rc4', 'des', 'rc4-56', 'rc4-40']);
    expect(c.realm).toBe('default');
  });

  it('handles escaped quotes, spaces and empty list elements', () => {
    const d = parseDirectives(' a = "x\\"y" ,, b=2 ,c="" ');
    expect(Object.fromEntries(d)).toEqual({ a: 'x"y', b: '2', c: '' });
    expect(() => parseDirectives('a="unterminated')).toThrow(/unterminated/);
  });

  it('rejects challenges without a nonce or with another algorithm', () => {
    expect(() => parseDigestChallenge('realm="r",algorithm=md5-sess')).toThrow(/nonce/);
    expect(() => parseDigestChallenge('nonce="n",algorithm=md5')).toThrow(/md5-sess/);
  });

  it('reads rspauth from the server final message', () => {
    expect(parseRspauth(Buffer.from('rspauth=ea40f60335c427b5527b84dbabcdfffd'))).toBe(
      'ea40f60335c427b5527b84dbabcdfffd',
    );
    expect(parseRspauth('foo=bar')).toBeUndefined();
  });
});
