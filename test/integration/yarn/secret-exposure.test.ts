import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenStorage } from '../../../src/hadoop/security/credentials.js';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { APP_SECRET_ALIAS } from '../../../src/yarn/launch-context.js';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import {
  applicationProcesses,
  containerTokenFiles,
  filesUnder,
  leaks,
  secretForms,
} from '../../support/secret-scan.js';
import { REPO_ROOT, runSubmit, submittedAppId, yarnClusterArgs } from '../../support/submit-cli.js';

/**
 * The application secret travels only in the container credentials: while a
 * yarn-cluster application with executors runs, the test reads the secret
 * from the AM container's `container_tokens` file on the NodeManager (the one
 * legitimate place for it) and then looks for it, in every encoding a leak
 * would take, in the command lines and environments of the application's
 * processes, in the files localized into its containers, in the staged files
 * on HDFS, in the client's output, and in the aggregated container logs.
 */

const SLEEPY = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'sleepy.ts');

let cluster: HadoopCluster;
let hdfs: WebHdfsClient;
let runtimeDir: string;

beforeAll(() => {
  cluster = hadoopCluster();
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  runtimeDir = `/user/${cluster.user}/.tspark-test-runtime-secret-${process.pid}`;
});

afterAll(async () => {
  await hdfs.delete(runtimeDir, true).catch(() => false);
});

describe('the application secret stays in the credentials', () => {
  it('is in no process command line or environment, localized file, staged file, client output or container log', async () => {
    let appId: string | undefined;
    const runPromise = runSubmit(
      yarnClusterArgs(runtimeDir, [
        '--num-executors',
        '2',
        '--conf',
        'spark.yarn.preserve.staging.files=true',
        SLEEPY,
        '2',
        '12000',
      ]),
      { HADOOP_CONF_DIR: cluster.confDir },
      (stderr) => (appId ??= submittedAppId(stderr)),
    );

    // Wait for the AM and both executor containers (three token files) and their processes.
    let secret: Buffer | undefined;
    let tokenFiles = new Map<string, string>();
    let processes: ReturnType<typeof applicationProcesses> = [];
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (appId) {
        tokenFiles = containerTokenFiles(cluster, appId);
        processes = applicationProcesses(appId);
        if (tokenFiles.size >= 3 && processes.length >= 3) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(appId).toBeDefined();
    expect(tokenFiles.size, `token files: ${[...tokenFiles.keys()].join(', ')}`).toBeGreaterThanOrEqual(3);
    for (const f of tokenFiles.values()) {
      const credentials = parseTokenStorage(readFileSync(f), f);
      const entry = credentials.secretKeys.find((k) => k.alias === APP_SECRET_ALIAS);
      expect(entry, `${f} has no ${APP_SECRET_ALIAS}`).toBeDefined();
      const value = Buffer.from(entry!.value);
      expect(value.length).toBeGreaterThanOrEqual(16);
      if (secret) expect(value.equals(secret), 'every container has the same secret').toBe(true);
      secret = value;
    }
    const forms = secretForms(secret!);
    // positive control: the detector finds the secret where it legitimately is
    for (const f of tokenFiles.values()) expect(leaks(readFileSync(f), forms).length, f).toBeGreaterThan(0);

    // processes: AM and executors (their launch scripts' shells included)
    expect(processes.length).toBeGreaterThanOrEqual(3);
    for (const p of processes) {
      expect(leaks(p.cmdline, forms), `pid ${p.pid} command line`).toEqual([]);
      expect(leaks(p.environ, forms), `pid ${p.pid} environment`).toEqual([]);
    }

    // everything in the containers' working directories except the credentials themselves
    const appDirs = [...tokenFiles.values()].map((f) => path.dirname(f));
    let scanned = 0;
    for (const dir of appDirs) {
      for (const f of filesUnder(dir)) {
        if (path.basename(f) === 'container_tokens' || f.endsWith('.tokens')) continue;
        let bytes: Buffer;
        try {
          bytes = readFileSync(f);
        } catch {
          continue;
        }
        scanned++;
        expect(leaks(bytes, forms), f).toEqual([]);
      }
    }
    expect(scanned, 'launch scripts were scanned').toBeGreaterThan(0);

    const run = await runPromise;
    expect(run.code, run.stderr).toBe(0);
    expect(leaks(run.stdout + run.stderr, forms), 'client output').toEqual([]);

    // staged files, kept by spark.yarn.preserve.staging.files (archives unpacked to their tar bytes)
    const stagingDir = `/user/${cluster.user}/.sparkStaging/${appId!}`;
    try {
      const staged = await hdfs.listStatus(stagingDir);
      expect(staged.map((f) => f.name)).toContain('__spark_conf__.tgz');
      for (const f of staged) {
        const raw = await hdfs.readAll(`${stagingDir}/${f.name}`);
        const bytes = f.name.endsWith('.tgz') ? gunzipSync(raw) : raw;
        expect(leaks(bytes, forms), `staged ${f.name}`).toEqual([]);
      }
    } finally {
      await hdfs.delete(stagingDir, true).catch(() => false);
    }

    // aggregated logs of every container
    let logs = '';
    for (let i = 0; i < 60 && !logs.includes('sleepy tasks done: 2'); i++) {
      logs = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId!])).stdout;
      if (!logs.includes('sleepy tasks done: 2')) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(logs).toContain('sleepy tasks done: 2');
    expect(logs).toMatch(/Registered executor \d+ /);
    expect(leaks(logs, forms), 'container logs').toEqual([]);
  }, 300_000);
});
