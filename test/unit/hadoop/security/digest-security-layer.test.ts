import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createDigestSecurityLayer,
  desKeyWithParity,
  digestSessionKeys,
} from '../../../../src/hadoop/security/digest-security-layer.js';
import {
  digestResponse,
  expectedRspauth,
  parseDirectives,
  type DigestInputs,
} from '../../../../src/hadoop/security/digest-md5.js';

// jdk-digest-md5.txt: the JDK 17 DIGEST-MD5 client and server talking to each
// other with Hadoop's TOKEN settings (scripts/fixtures/ipc/JdkDigestSecurityLayer.java):
// the exchange, then messages wrapped by each side in order.
interface JdkRun {
  challenge: string;
  response: string;
  rspauth: string;
  rawSendSize: number;
  clientWraps: Array<[string, string]>;
  serverWraps: Array<[string, string]>;
}

function loadRuns(): Record<string, JdkRun> {
  const textOf = readFileSync(
    fileURLToPath(new URL('../../../fixtures/ipc/jdk-digest-md5.txt', import.meta.url)),
    'utf8',
  );
  const runs: Record<string, JdkRun> = {};
  let current: JdkRun | undefined;
  for (const line of textOf.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = {
        challenge: '',
        response: '',
        rspauth: '',
        rawSendSize: 0,
        clientWraps: [],
        serverWraps: [],
      };
      runs[header[1]!] = current;
      continue;
    }
    if (!current || !line || line.startsWith('#')) continue;
    const [key, ...rest] = line.split(' ');
    const value = rest.join(' ');
    const hexPair = (): [string, string] => {
      const [a, b] = rest as [string, string];
      return [a === '-' ? '' : a, b === '-' ? '' : b];
    };
    if (key === 'challenge') current.challenge = value;
    else if (key === 'response') current.response = value;
    else if (key === 'rspauth') current.rspauth = value;
    else if (key === 'client.rawSendSize') current.rawSendSize = Number(value);
    else if (key?.startsWith('client.wrap.')) current.clientWraps.push(hexPair());
    else if (key?.startsWith('server.wrap.')) current.serverWraps.push(hexPair());
  }
  return runs;
}

const PASSWORD = Buffer.from('0102030405060708090a0b0c0d0e0f1011121314', 'hex').toString('base64');

function inputsOf(
  run: JdkRun,
  qop: 'auth-int' | 'auth-conf',
): DigestInputs & { qop: 'auth-int' | 'auth-conf' } {
  const r = parseDirectives(run.response);
  return {
    username: r.get('username')!,
    password: PASSWORD,
    realm: r.get('realm')!,
    nonce: r.get('nonce')!,
    cnonce: r.get('cnonce')!,
    nc: r.get('nc')!,
    qop,
    digestUri: r.get('digest-uri')!,
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const runs = loadRuns();

describe('DIGEST-MD5 security layer against the JDK', () => {
  for (const qop of ['auth-int', 'auth-conf'] as const) {
    const run = runs[qop]!;

    it(`${qop}: our response and rspauth match the JDK's`, () => {
      const inputs = inputsOf(run, qop);
      expect(digestResponse(inputs)).toBe(parseDirectives(run.response).get('response'));
      expect(`rspauth=${expectedRspauth(inputs)}`).toBe(run.rspauth);
    });

    it(`${qop}: wraps exactly as the JDK client and unwraps the JDK server, in sequence`, () => {
      const layer = createDigestSecurityLayer(inputsOf(run, qop));
      expect(layer.rawSendSize).toBe(run.rawSendSize);
      expect(run.clientWraps.length).toBeGreaterThan(2);
      for (const [plain, wrapped] of run.clientWraps)
        expect(hex(layer.wrap(Buffer.from(plain, 'hex')))).toBe(wrapped);
      for (const [plain, wrapped] of run.serverWraps)
        expect(hex(layer.unwrap(Buffer.from(wrapped, 'hex')))).toBe(plain);
    });

    it(`${qop}: the server side (used by test servers) wraps exactly as the JDK server`, () => {
      const server = createDigestSecurityLayer(inputsOf(run, qop), 65536, 'server');
      for (const [plain, wrapped] of run.serverWraps)
        expect(hex(server.wrap(Buffer.from(plain, 'hex')))).toBe(wrapped);
      for (const [plain, wrapped] of run.clientWraps)
        expect(hex(server.unwrap(Buffer.from(wrapped, 'hex')))).toBe(plain);
    });

    it(`${qop}: rejects a tampered, replayed or reordered server message`, () => {
      const [[, first], [, second]] = run.serverWraps as [[string, string], [string, string]];
      const tampered = Buffer.from(first, 'hex');
      tampered[0] = tampered[0]! ^ 0x01;
      expect(() => createDigestSecurityLayer(inputsOf(run, qop)).unwrap(tampered)).toThrow(
        /integrity|padding/,
      );
      expect(() => createDigestSecurityLayer(inputsOf(run, qop)).unwrap(Buffer.from(second, 'hex'))).toThrow(
        /sequence number 1, expected 0/,
      );
      const layer = createDigestSecurityLayer(inputsOf(run, qop));
      layer.unwrap(Buffer.from(first, 'hex'));
      expect(() => layer.unwrap(Buffer.from(first, 'hex'))).toThrow(/sequence number 0, expected 1/);
    });
  }

  it('matches the auth-int vector of the hadoop-ipc notes (§6.8)', () => {
    const inputs = {
      username: 'Cg0KCQgNEJ+B1bLzLRABEAU=',
      password: PASSWORD,
      realm: 'default',
      nonce: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=',
      cnonce: 'Y25vbmNlLXRlc3Q=',
      nc: '00000001',
      qop: 'auth-int' as const,
      digestUri: '/default',
    };
    expect(hex(digestSessionKeys(inputs).kic)).toBe('82e65d45db57fa3ddff517e9facaaf4c');
    expect(hex(createDigestSecurityLayer(inputs).wrap(Buffer.from('hello')))).toBe(
      '68656c6c6f836b301430a12ff138cd000100000000',
    );
  });

  it('spreads 7 key bytes into 8 DES bytes with odd parity', () => {
    const key = desKeyWithParity(Buffer.from('ffffffffffffff', 'hex'));
    expect(hex(key)).toBe('fefefefefefefefe');
    const zero = desKeyWithParity(Buffer.alloc(7));
    expect(hex(zero)).toBe('0101010101010101');
    for (const b of desKeyWithParity(Buffer.from('0123456789abcd', 'hex'))) {
      let ones = 0;
      for (let v = b; v; v >>= 1) ones += v & 1;
      expect(ones % 2).toBe(1);
    }
  });
});
