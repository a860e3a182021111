import { describe, expect, it } from 'vitest';
import {
  parseTokenStorage,
  writeTokenStorage,
  withoutAmRmToken,
} from '../../../../src/hadoop/security/credentials.js';
import { executorLaunchContext } from '../../../../src/yarn/am/executor-launch-context.js';
import {
  decodeLocalResourcesEnv,
  encodeLocalResourcesEnv,
  toIpcLocalResources,
} from '../../../../src/yarn/am/executor-resources.js';
import { APP_SECRET_ALIAS } from '../../../../src/yarn/launch-context.js';

const rest = {
  '__app__.mjs': {
    resource: 'hdfs://127.0.0.1:9000/user/a/.sparkStaging/application_1_0001/__app__.mjs',
    type: 'FILE' as const,
    visibility: 'PRIVATE' as const,
    size: 691,
    timestamp: 1795416949000,
  },
  'node_modules/tspark': {
    resource: 'hdfs://127.0.0.1:9000/tspark/runtime/tspark%20runtime.tgz',
    type: 'ARCHIVE' as const,
    visibility: 'PUBLIC' as const,
    size: 3797622,
    timestamp: 1795416900000,
  },
};

describe('executor local resources', () => {
  it('travel through the AM environment as base64 JSON (no quotes or $ for the NM launch script)', () => {
    const env = encodeLocalResourcesEnv(rest);
    expect(env).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(decodeLocalResourcesEnv(env)).toEqual(rest);
    expect(() => decodeLocalResourcesEnv('not base64 json')).toThrow(/TSPARK_YARN_LOCAL_RESOURCES/);
  });

  it('become IPC URL records with the exact size and timestamp', () => {
    expect(toIpcLocalResources(rest)).toEqual({
      '__app__.mjs': {
        url: {
          scheme: 'hdfs',
          host: '127.0.0.1',
          port: 9000,
          file: '/user/a/.sparkStaging/application_1_0001/__app__.mjs',
        },
        size: 691,
        timestamp: 1795416949000,
        type: 'FILE',
        visibility: 'PRIVATE',
      },
      'node_modules/tspark': {
        url: { scheme: 'hdfs', host: '127.0.0.1', port: 9000, file: '/tspark/runtime/tspark runtime.tgz' },
        size: 3797622,
        timestamp: 1795416900000,
        type: 'ARCHIVE',
        visibility: 'PUBLIC',
      },
    });
  });
});

describe('executorLaunchContext', () => {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
  const amCredentials = {
    tokens: [
      {
        alias: '',
        token: {
          identifier: Uint8Array.of(1),
          password: Uint8Array.of(2),
          kind: 'YARN_AM_RM_TOKEN',
          service: '',
        },
      },
    ],
    secretKeys: [{ alias: APP_SECRET_ALIAS, value: secret }],
  };
  const base = {
    appId: 'application_1_0001',
    executorId: '3',
    localResources: toIpcLocalResources(rest),
    tokens: writeTokenStorage(withoutAmRmToken(amCredentials)),
    conf: [
      ['spark.executorEnv.GREETING', 'hi'],
      ['spark.executor.memory', '1g'],
    ] as Array<[string, string]>,
    user: 'alice',
    heapMiB: 1024,
    cores: 2,
    nodeBinary: 'node',
  };

  it('runs the executor entry under node with the heap, and logs into <LOG_DIR>', () => {
    const clc = executorLaunchContext(base);
    expect(clc.commands).toEqual([
      "'node' --max-old-space-size=1024 --enable-source-maps 'node_modules/tspark/dist/src/executor/main.js' '--app-id' 'application_1_0001' '--executor-id' '3' '--cores' '2' '--properties-file' '__spark_conf__/__spark_conf__.properties' '--app' '__app__.mjs' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr",
    ]);
    expect(clc.environment).toMatchObject({
      SPARK_USER: 'alice',
      TSPARK_EXECUTOR_ID: '3',
      TSPARK_APP_ID: 'application_1_0001',
      GREETING: 'hi',
    });
    expect(Object.keys(clc.localResources ?? {}).sort()).toEqual(['__app__.mjs', 'node_modules/tspark']);
  });

  it('carries the application secret, and not the AMRMToken, in its credentials', () => {
    const creds = parseTokenStorage(executorLaunchContext(base).tokens!);
    expect(creds.tokens).toEqual([]);
    expect(creds.secretKeys).toEqual([{ alias: APP_SECRET_ALIAS, value: secret }]);
  });

  it('runs the stop-gap shell command intact through the NodeManager shells', () => {
    const clc = executorLaunchContext({
      ...base,
      commandOverride: `echo "$TSPARK_EXECUTOR_ID" it's; exit 1`,
    });
    expect(clc.commands).toEqual([
      `/bin/bash -c 'echo \\"\\$TSPARK_EXECUTOR_ID\\" it'\\''s; exit 1' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`,
    ]);
  });
});
