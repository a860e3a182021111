import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { hadoopCluster } from '../../support/hadoop.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('a submission the ResourceManager rejects', () => {
  it("reports the RM's reason and removes the staging directory it had created", async () => {
    const cluster = hadoopCluster();
    const hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
    // A staging base of its own: other applications on the shared cluster stay out of the listing.
    const stagingBase = `/user/${cluster.user}/.tspark-test-rejection-${process.pid}`;
    const stagingRoot = `${stagingBase}/${cluster.user}/.sparkStaging`;
    const list = async () => ((await hdfs.exists(stagingRoot)) ? (await hdfs.listStatus(stagingRoot)).map((s) => s.name).sort() : []);
    const before = await list();
    // YARN refuses application tags longer than 100 characters when it reads the submission.
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'tspark-submit.js'),
        '--master', 'yarn', '--deploy-mode', 'cluster', '--driver-memory', '256m',
        '--conf', `spark.yarn.tags=${'t'.repeat(101)}`,
        '--conf', `spark.tspark.yarn.runtimeDir=${cluster.runtimeDir}`,
        '--conf', `spark.yarn.stagingDir=${stagingBase}`,
        path.join(ROOT, 'test', 'fixtures', 'apps', 'hello.ts'),
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HADOOP_CONF_DIR: cluster.confDir }, timeout: 180_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Error: .*answered 400 .*maximum allowed length of a tag is 100/);
    expect(r.stderr).not.toMatch(/^\s+at .*\.js:\d+/m);
    expect(await list()).toEqual(before);
    await hdfs.delete(stagingBase, true);
  });
});
