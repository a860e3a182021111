import { describe, expect, it } from 'vitest';
import { SaslRpcClient } from '../../../../src/hadoop/security/sasl-client.js';
import { parseDirectives } from '../../../../src/hadoop/security/digest-md5.js';
import { SaslAuthError } from '../../../../src/hadoop/ipc/errors.js';
import type { SaslAuth } from '../../../../src/hadoop/ipc/codec/sasl-message.js';

// The Hadoop TOKEN vector of the hadoop-ipc brief §6.8 (JDK-accepted).
const token = {
  identifier: Buffer.from('0a0d0a09080d109f81d5b2f32d10011005', 'hex'),
  password: Buffer.from('0102030405060708090a0b0c0d0e0f1011121314', 'hex'),
  kind: 'YARN_AM_RM_TOKEN',
  service: '',
};
const NONCE = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=';
// cnonce = Base64 of the injected "random" bytes = Y25vbmNlLXRlc3Q=
const randomBytes = () => Buffer.from('cnonce-test');
const challenge = Buffer.from(`realm="default",nonce="${NONCE}",qop="auth",charset=utf-8,algorithm=md5-sess`);
const tokenAuth: SaslAuth = {
  method: 'TOKEN',
  mechanism: 'DIGEST-MD5',
  protocol: '',
  serverId: 'default',
  challenge,
};

function client(opts: { allowSimple?: boolean; withToken?: boolean } = {}) {
  return new SaslRpcClient({
    token: opts.withToken === false ? undefined : token,
    allowSimple: opts.allowSimple ?? false,
    randomBytes,
    peer: 'rm:8030',
  });
}

describe('SaslRpcClient', () => {
  it('runs NEGOTIATE -> INITIATE -> SUCCESS with the piggy-backed challenge and verifies rspauth', () => {
    const c = client();
    expect(c.start()).toEqual({ state: 'NEGOTIATE' });
    const step = c.receive({ state: 'NEGOTIATE', auths: [tokenAuth] });
    expect(step.done).toBeUndefined();
    expect(step.send?.state).toBe('INITIATE');
    // The echoed auth is the offered one without its challenge; protocol stays a present ''.
    expect(step.send?.auths).toEqual([
      { method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default' },
    ]);
    expect(Object.prototype.hasOwnProperty.call(step.send!.auths![0], 'challenge')).toBe(false);
    const response = parseDirectives(Buffer.from(step.send!.token!).toString());
    expect(response.get('response')).toBe('9bd402c984686ee6a76a75c25b29448f');
    expect(response.get('digest-uri')).toBe('/default');
    expect(response.get('username')).toBe('Cg0KCQgNEJ+B1bLzLRABEAU=');
    const done = c.receive({
      state: 'SUCCESS',
      token: Buffer.from('rspauth=834864b3ffd31ac1fb4562a94c64e0ba'),
    });
    expect(done).toEqual({ done: { method: 'TOKEN', qop: 'auth' } });
    expect(c.currentState).toBe('DONE');
  });

  it('fails when rspauth does not match (a server that does not know the password)', () => {
    const c = client();
    c.start();
    c.receive({ state: 'NEGOTIATE', auths: [tokenAuth] });
    expect(() =>
      c.receive({ state: 'SUCCESS', token: Buffer.from('rspauth=00000000000000000000000000000000') }),
    ).toThrow(/rspauth does not match/);
    expect(c.currentState).toBe('FAILED');
  });

  it('fails when SUCCESS carries no rspauth', () => {
    const c = client();
    c.start();
    c.receive({ state: 'NEGOTIATE', auths: [tokenAuth] });
    expect(() => c.receive({ state: 'SUCCESS' })).toThrow(SaslAuthError);
  });

  it('answers a separate CHALLENGE with RESPONSE when NEGOTIATE had no challenge', () => {
    const c = client();
    c.start();
    const { challenge: _omit, ...withoutChallenge } = tokenAuth;
    const init = c.receive({ state: 'NEGOTIATE', auths: [withoutChallenge] });
    expect(init.send).toMatchObject({ state: 'INITIATE', token: new Uint8Array(0) });
    const resp = c.receive({ state: 'CHALLENGE', token: challenge });
    expect(resp.send?.state).toBe('RESPONSE');
    expect(parseDirectives(Buffer.from(resp.send!.token!).toString()).get('response')).toBe(
      '9bd402c984686ee6a76a75c25b29448f',
    );
    expect(
      c.receive({ state: 'SUCCESS', token: Buffer.from('rspauth=834864b3ffd31ac1fb4562a94c64e0ba') }).done,
    ).toEqual({
      method: 'TOKEN',
      qop: 'auth',
    });
  });

  it('negotiates auth-int when the server requires integrity, and returns its security layer', () => {
    const c = client();
    c.start();
    const strict = {
      ...tokenAuth,
      challenge: Buffer.from(
        `realm="default",nonce="${NONCE}",qop="auth-conf,auth-int",charset=utf-8,cipher="3des,rc4",algorithm=md5-sess`,
      ),
    };
    const step = c.receive({ state: 'NEGOTIATE', auths: [strict] });
    const response = parseDirectives(Buffer.from(step.send!.token!).toString());
    expect(response.get('qop')).toBe('auth-int');
    expect(response.get('cipher')).toBeUndefined();
    // hadoop-ipc notes §6.8: the JDK-accepted auth-int response and rspauth for this vector.
    expect(response.get('response')).toBe('394a861659ac888bb07b2b2065c66c8e');
    const done = c.receive({
      state: 'SUCCESS',
      token: Buffer.from('rspauth=84751fcf9ae7e156bdca3cc78845d131'),
    }).done;
    expect(done).toMatchObject({ method: 'TOKEN', qop: 'auth-int' });
    const layer = (done as { securityLayer?: { wrap(m: Uint8Array): Uint8Array } }).securityLayer!;
    expect(Buffer.from(layer.wrap(Buffer.from('hello'))).toString('hex')).toBe(
      '68656c6c6f836b301430a12ff138cd000100000000',
    );
  });

  it('asks for 3des with auth-conf, and refuses auth-conf without 3des', () => {
    const c = new SaslRpcClient({
      token,
      allowSimple: false,
      randomBytes,
      peer: 'rm',
      qopPreference: ['auth-conf'],
    });
    c.start();
    const privacy = (ciphers: string) => ({
      ...tokenAuth,
      challenge: Buffer.from(
        `realm="default",nonce="${NONCE}",qop="auth-conf",cipher="${ciphers}",algorithm=md5-sess`,
      ),
    });
    const step = c.receive({ state: 'NEGOTIATE', auths: [privacy('rc4,3des')] });
    const response = parseDirectives(Buffer.from(step.send!.token!).toString());
    expect([response.get('qop'), response.get('cipher')]).toEqual(['auth-conf', '3des']);
    const d = new SaslRpcClient({ token, allowSimple: false, randomBytes, peer: 'rm' });
    d.start();
    expect(() => d.receive({ state: 'NEGOTIATE', auths: [privacy('rc4,des')] })).toThrow(/3des/);
  });

  it('refuses a qop outside its preference, naming the setting', () => {
    const c = new SaslRpcClient({
      token,
      allowSimple: false,
      randomBytes,
      peer: 'rm',
      qopPreference: ['auth'],
    });
    c.start();
    const strict = {
      ...tokenAuth,
      challenge: Buffer.from(`nonce="${NONCE}",qop="auth-int",algorithm=md5-sess`),
    };
    expect(() => c.receive({ state: 'NEGOTIATE', auths: [strict] })).toThrow(/hadoop.rpc.protection/);
  });

  it('refuses other token mechanisms clearly', () => {
    const c = client();
    c.start();
    expect(() =>
      c.receive({ state: 'NEGOTIATE', auths: [{ ...tokenAuth, mechanism: 'SCRAM-SHA-256' }] }),
    ).toThrow(/DIGEST-MD5 only/);
  });

  it('falls back to SIMPLE when offered and allowed, sending INITIATE with the SIMPLE auth', () => {
    const c = client({ allowSimple: true, withToken: false });
    c.start();
    const simple = { method: 'SIMPLE', mechanism: '' };
    const step = c.receive({ state: 'NEGOTIATE', auths: [tokenAuth, simple] });
    expect(step).toEqual({ send: { state: 'INITIATE', auths: [simple] }, done: { method: 'SIMPLE' } });
  });

  it('prefers TOKEN over SIMPLE when it has a token', () => {
    const c = client({ allowSimple: true });
    c.start();
    const step = c.receive({ state: 'NEGOTIATE', auths: [tokenAuth, { method: 'SIMPLE', mechanism: '' }] });
    expect(step.send?.auths?.[0]?.method).toBe('TOKEN');
  });

  it('accepts a SIMPLE-only server answering NEGOTIATE with SUCCESS only when allowed', () => {
    const ok = client({ allowSimple: true });
    ok.start();
    expect(ok.receive({ state: 'SUCCESS' })).toEqual({ done: { method: 'SIMPLE' } });
    const strict = client();
    strict.start();
    expect(() => strict.receive({ state: 'SUCCESS' })).toThrow(/requires token authentication/);
  });

  it('explains a missing token when the server offers only TOKEN', () => {
    const c = client({ withToken: false });
    c.start();
    expect(() => c.receive({ state: 'NEGOTIATE', auths: [tokenAuth] })).toThrow(/AMRMToken/);
  });

  it('rejects out-of-order messages', () => {
    const c = client();
    expect(() => c.receive({ state: 'NEGOTIATE', auths: [tokenAuth] })).toThrow(/unexpected SASL NEGOTIATE/);
    const d = client();
    d.start();
    expect(() => d.receive({ state: 'CHALLENGE', token: challenge })).toThrow(/unexpected SASL CHALLENGE/);
    const e = client();
    e.start();
    expect(() => e.receive({ state: 'WRAP', token: challenge })).toThrow(/unexpected SASL WRAP/);
  });
});
