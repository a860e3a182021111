// Container tokens files captured from a real tspark application on the test cluster
// (test/fixtures/ipc/README-tspark-container-tokens.md): the AM's, written by the
// NodeManager from the RM's credentials, and an executor's, written by the NodeManager
// from the tokens the tspark AM put in the executor's launch context.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseContainerId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import {
  parseTokenStorage,
  requireAmRmToken,
  withoutAmRmToken,
  writeTokenStorage,
} from '../../../../src/hadoop/security/credentials.js';
import { decodeAmRmTokenIdentifier } from '../../../../src/hadoop/security/token-identifiers.js';
import { APP_SECRET_ALIAS } from '../../../../src/yarn/launch-context.js';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/ipc/${name}`, import.meta.url));
const ids = JSON.parse(fixture('container-tokens-tspark.json').toString('utf8')) as {
  amContainer: string;
  executorContainer: string;
  secretAlias: string;
  secretBytes: number;
};

describe('container tokens of a real tspark application', () => {
  const amBytes = fixture('container-tokens-tspark-am.bin');
  const executorBytes = fixture('container-tokens-tspark-executor.bin');
  const am = parseTokenStorage(amBytes, 'AM container_tokens');
  const executor = parseTokenStorage(executorBytes, 'executor container_tokens');

  it('the AM file, as Hadoop writes it (WRITABLE), holds the AMRMToken of its attempt and the application secret', () => {
    expect(amBytes[4]).toBe(0);
    const token = requireAmRmToken(am);
    expect(am.tokens.map((t) => [t.alias, t.token.kind, t.token.service])).toEqual([
      ['', 'YARN_AM_RM_TOKEN', ''],
    ]);
    const identifier = decodeAmRmTokenIdentifier(token.identifier);
    expect(identifier.applicationAttemptId).toEqual(parseContainerId(ids.amContainer).applicationAttemptId);
    expect(am.secretKeys.map((s) => [s.alias, s.value.length])).toEqual([
      [APP_SECRET_ALIAS, ids.secretBytes],
    ]);
    expect(ids.secretAlias).toBe(APP_SECRET_ALIAS);
  });

  it('the executor file holds the same secret and no AMRMToken', () => {
    expect(executor.tokens).toEqual([]);
    expect(executor.secretKeys).toEqual(am.secretKeys);
    expect(parseContainerId(ids.executorContainer).applicationAttemptId).toEqual(
      parseContainerId(ids.amContainer).applicationAttemptId,
    );
  });

  it('our writer produces the bytes Java wrote for the same credentials', () => {
    expect(Buffer.from(writeTokenStorage(executor))).toEqual(executorBytes);
    expect(Buffer.from(writeTokenStorage(am))).toEqual(amBytes);
    expect(Buffer.from(writeTokenStorage(withoutAmRmToken(am)))).toEqual(executorBytes);
  });
});
