import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findToken,
  parseTokenStorage,
  requireAmRmToken,
  TokenFileError,
  withoutAmRmToken,
  writeTokenStorage,
} from '../../../../src/hadoop/security/credentials.js';
import {
  decodeAmRmTokenIdentifier,
  decodeNmTokenIdentifier,
} from '../../../../src/hadoop/security/token-identifiers.js';
import { ByteReader, readVLong, writeVLong } from '../../../../src/hadoop/security/writable-utils.js';

// Fixtures written by Hadoop 3.4.3 (Credentials.writeTokenStorageToStream,
// AMRMTokenIdentifier/NMTokenIdentifier.getBytes, WritableUtils.writeVLong);
// see test/fixtures/ipc/README.md. Input values repeated from the generator.
const fixture = (name: string) =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../fixtures/ipc/${name}`, import.meta.url))));

const amrmPassword = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);

describe('WritableUtils vlong', () => {
  const values = readFileSync(
    fileURLToPath(new URL('../../../fixtures/ipc/writable-vlongs.txt', import.meta.url)),
    'utf8',
  )
    .trim()
    .split('\n')
    .map((s) => BigInt(s));
  const bytes = fixture('writable-vlongs.bin');

  it('decodes every value Hadoop wrote', () => {
    const r = new ByteReader(bytes, 'vlongs');
    for (const v of values) expect(readVLong(r)).toBe(v);
    expect(r.remaining).toBe(0);
  });

  it('encodes every value to the same bytes', () => {
    const ours = Buffer.concat(values.map((v) => Buffer.from(writeVLong(v))));
    expect(Buffer.from(bytes).equals(ours)).toBe(true);
  });

  it('matches the documented small cases', () => {
    expect(Buffer.from(writeVLong(128)).toString('hex')).toBe('8f80');
    expect(Buffer.from(writeVLong(-113)).toString('hex')).toBe('8770');
    expect(Buffer.from(writeVLong(-257)).toString('hex')).toBe('860100');
  });
});

describe('token storage files', () => {
  for (const format of ['writable', 'protobuf'] as const) {
    it(`parses the AM container_tokens written in ${format} format and selects the AMRMToken`, () => {
      const creds = parseTokenStorage(fixture(`container-tokens-am.${format}.bin`));
      expect(creds.tokens).toHaveLength(1);
      expect(creds.secretKeys).toEqual([]);
      const token = requireAmRmToken(creds);
      expect(token.kind).toBe('YARN_AM_RM_TOKEN');
      expect(token.service).toBe('');
      expect(creds.tokens[0]!.alias).toBe('');
      expect(Buffer.from(token.password).equals(Buffer.from(amrmPassword))).toBe(true);
      expect(Buffer.from(token.identifier).equals(Buffer.from(fixture('amrm-token-identifier.bin')))).toBe(
        true,
      );
    });

    it(`re-encodes the AM file in ${format} format byte for byte`, () => {
      const bytes = fixture(`container-tokens-am.${format}.bin`);
      const ours = writeTokenStorage(
        parseTokenStorage(bytes),
        format === 'writable' ? 'WRITABLE' : 'PROTOBUF',
      );
      expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
    });

    it(`reads two tokens and two secrets (${format}), and re-encodes them in file order`, () => {
      const bytes = fixture(`credentials-many.${format}.bin`);
      const creds = parseTokenStorage(bytes);
      const byAlias = Object.fromEntries(creds.tokens.map((t) => [t.alias, t.token]));
      expect(Object.keys(byAlias).sort()).toEqual(['', 'nm-localhost']);
      expect(byAlias['nm-localhost']).toMatchObject({ kind: 'NMToken', service: 'localhost:45454' });
      expect([...byAlias['nm-localhost']!.password]).toEqual([1, 2, 3]);
      const secrets = Object.fromEntries(creds.secretKeys.map((s) => [s.alias, s.value]));
      expect(Buffer.from(secrets['tspark.app.secret']!).toString()).toBe('s3cr3t');
      const big = secrets.big!;
      expect(big.length).toBe(300);
      for (let i = 0; i < 300; i++) expect(big[i]).toBe(i & 0xff);
      const ours = writeTokenStorage(creds, format === 'writable' ? 'WRITABLE' : 'PROTOBUF');
      expect(Buffer.from(ours).equals(Buffer.from(bytes))).toBe(true);
    });
  }

  it('drops the AMRMToken from credentials meant for launched containers', () => {
    const creds = parseTokenStorage(fixture('credentials-many.writable.bin'));
    const forContainer = withoutAmRmToken(creds);
    expect(findToken(forContainer, 'YARN_AM_RM_TOKEN')).toBeUndefined();
    expect(forContainer.tokens.map((t) => t.token.kind)).toEqual(['NMToken']);
    expect(forContainer.secretKeys).toHaveLength(2);
  });

  it('rejects files that are not token storage, with the fix in the message', () => {
    expect(() => parseTokenStorage(Buffer.from('not a token file'))).toThrow(/HADOOP_TOKEN_FILE_LOCATION/);
    expect(() => parseTokenStorage(Uint8Array.from([0x48, 0x44, 0x54, 0x53, 7]))).toThrow(/format 7/);
    const good = fixture('container-tokens-am.writable.bin');
    expect(() => parseTokenStorage(good.subarray(0, good.length - 3))).toThrow(TokenFileError);
    expect(() => parseTokenStorage(Buffer.concat([good, Buffer.from([0])]))).toThrow(/unexpected bytes/);
  });

  it('says which tokens a file holds when the AMRMToken is missing', () => {
    const creds = withoutAmRmToken(parseTokenStorage(fixture('credentials-many.writable.bin')));
    expect(() => requireAmRmToken(creds)).toThrow(/holds NMToken/);
  });
});

describe('token identifiers', () => {
  it('decodes the AMRMTokenIdentifier Hadoop wrote', () => {
    expect(decodeAmRmTokenIdentifier(fixture('amrm-token-identifier.bin'))).toEqual({
      applicationAttemptId: { applicationId: { clusterTimestamp: 1700000000000n, id: 13 }, attemptId: 1 },
      user: 'appattempt_1700000000000_0013_000001',
      keyId: 7,
    });
  });

  it('decodes the NMTokenIdentifier Hadoop wrote', () => {
    expect(decodeNmTokenIdentifier(fixture('nm-token-identifier.bin'))).toEqual({
      applicationAttemptId: { applicationId: { clusterTimestamp: 1700000000000n, id: 13 }, attemptId: 1 },
      user: 'appattempt_1700000000000_0013_000001',
      nodeId: { host: 'localhost', port: 45454 },
      appSubmitter: 'alice',
      keyId: 3,
    });
  });
});

describe('a real container_tokens file captured from an AM container of the test cluster', () => {
  const info = JSON.parse(
    readFileSync(
      fileURLToPath(new URL('../../../fixtures/ipc/container-tokens-real-am.json', import.meta.url)),
      'utf8',
    ),
  ) as { containerId: string };
  const bytes = fixture('container-tokens-real-am.bin');

  it('holds exactly the AMRMToken, for the attempt of that container', () => {
    const creds = parseTokenStorage(bytes);
    expect(creds.secretKeys).toEqual([]);
    expect(creds.tokens.map((t) => [t.alias, t.token.kind, t.token.service])).toEqual([
      ['', 'YARN_AM_RM_TOKEN', ''],
    ]);
    const token = requireAmRmToken(creds);
    expect(token.password.length).toBe(20); // HMAC-SHA1
    const id = decodeAmRmTokenIdentifier(token.identifier);
    // container_<ts>_<app>_<attempt>_<seq>  ->  appattempt_<ts>_<app>_<attempt, 6 digits>
    const [, ts, app, attempt] = /^container_(\d+)_(\d+)_(\d+)_\d+$/.exec(info.containerId)!;
    expect(id.user).toBe(`appattempt_${ts}_${app}_${attempt!.padStart(6, '0')}`);
    expect(Number.isInteger(id.keyId)).toBe(true);
  });

  it('re-encodes byte for byte', () => {
    expect(hexOf(writeTokenStorage(parseTokenStorage(bytes), 'WRITABLE'))).toBe(hexOf(bytes));
  });
});

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
