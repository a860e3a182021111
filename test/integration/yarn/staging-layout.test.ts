import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { hadoopCluster } from '../../support/hadoop.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'tspark-staging-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function submit(args: string[]) {
  const cluster = hadoopCluster();
  return spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tspark-submit.js'), '--master', 'yarn', '--deploy-mode', 'cluster', '--driver-memory', '256m', '--num-executors', '1', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HADOOP_CONF_DIR: cluster.confDir },
    timeout: 240_000,
  });
}

describe('yarn-cluster staging', () => {
  it('stages exactly the bundle, its map, the conf archive, --files and --archives, private to the user', async () => {
    const cluster = hadoopCluster();
    const hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
    const data = path.join(work, 'lookup.txt');
    writeFileSync(data, 'a\tb\n'.repeat(1000));
    const archive = path.join(work, 'extra.tgz');
    spawnSync('tar', ['-czf', archive, '-C', work, 'lookup.txt']);
    const r = submit([
      '--conf', 'spark.yarn.preserve.staging.files=true',
      '--conf', `spark.tspark.yarn.runtimeDir=${cluster.runtimeDir}`,
      '--files', `${data}#renamed.txt`,
      '--archives', archive,
      path.join(ROOT, 'test', 'fixtures', 'apps', 'hello.ts'),
    ]);
    const appId = /Submitted application (application_\d+_\d+)/.exec(r.stderr)?.[1];
    expect(appId, r.stderr).toBeDefined();
    expect(r.status, r.stderr).toBe(0);

    const dir = `/user/${cluster.user}/.sparkStaging/${appId}`;
    try {
      const dirStatus = await hdfs.getFileStatus(dir);
      expect(dirStatus.permission & 0o777).toBe(0o700);
      expect(dirStatus.owner).toBe(cluster.user);
      const files = await hdfs.listStatus(dir);
      expect(files.map((f) => f.name).sort()).toEqual(['__app__.mjs', '__app__.mjs.map', '__spark_conf__.tgz', 'extra.tgz', 'lookup.txt']);
      for (const f of files) {
        expect(f.type).toBe('FILE');
        expect(f.permission & 0o777).toBe(0o644);
        expect(f.owner).toBe(cluster.user);
      }
      const size = (name: string) => files.find((f) => f.name === name)!.length;
      expect(size('lookup.txt')).toBe(statSync(data).size);
      expect(size('extra.tgz')).toBe(statSync(archive).size);
      // The bundle holds the application, not the tspark runtime (that travels once, separately).
      const bundle = (await hdfs.readAll(`${dir}/__app__.mjs`)).toString('utf8');
      expect(bundle).toContain('hello from tspark');
      expect(bundle).not.toContain('class SparkContext');
      expect(bundle.length).toBeLessThan(50_000);
    } finally {
      await hdfs.delete(dir, true);
    }
  });
});
