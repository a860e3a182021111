import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { hadoopCluster } from '../../support/hadoop.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('a failed yarn-cluster application', () => {
  it("shows YARN's diagnostics, the tail of the AM's stderr and the logs command", () => {
    const cluster = hadoopCluster();
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'tspark-submit.js'),
        '--master', 'yarn', '--deploy-mode', 'cluster',
        '--driver-memory', '256m', '--num-executors', '1',
        '--conf', 'spark.yarn.maxAppAttempts=1',
        '--conf', `spark.tspark.yarn.runtimeDir=${cluster.runtimeDir}`,
        path.join(ROOT, 'test', 'fixtures', 'apps', 'boom.ts'),
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HADOOP_CONF_DIR: cluster.confDir }, timeout: 240_000 },
    );
    const appId = /Submitted application (application_\d+_\d+)/.exec(r.stderr)?.[1];
    expect(appId, r.stderr).toBeDefined();
    expect(r.status).toBe(ExitCode.APP_FAILED);
    expect(r.stderr).toMatch(/Error: Application application_\d+_\d+ finished with status FAILED\. Diagnostics: .*boom at two/);
    const tailAt = r.stderr.indexOf("Last lines of the ApplicationMaster's stderr (container_");
    expect(tailAt, r.stderr).toBeGreaterThan(0);
    expect(r.stderr.slice(tailAt)).toContain('boom at two');
    expect(r.stderr).toContain(`\nLogs: tspark logs ${appId}`);
    expect(r.stderr).not.toMatch(/^\s+at .*\.js:\d+/m);
  });
});
