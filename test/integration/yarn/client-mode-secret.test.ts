import { spawn } from 'node:child_process';
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
import { REPO_ROOT, SUBMIT_BIN, submittedAppId } from '../../support/submit-cli.js';

/**
 * yarn-client: tspark-submit generates the application secret and keeps it
 * in memory for its driver endpoint; the ApplicationMaster and the executors
 * get it only in their container credentials. While an application runs,
 * the test reads the secret from the containers' `container_tokens` files and
 * looks for it in the command line and environment of tspark-submit and of
 * every container process, in the containers' working directories, in the
 * staged files, in the client's output and in the aggregated container logs.
 * (The checks are those of secret-exposure.test.ts, for cluster mode.)
 */

const SLEEPY = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'sleepy.ts');

let cluster: HadoopCluster;
let hdfs: WebHdfsClient;
let runtimeDir: string;

beforeAll(() => {
  cluster = hadoopCluster();
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  runtimeDir = `/user/${cluster.user}/.tspark-test-runtime-client-secret-${process.pid}`;
});

afterAll(async () => {
  await hdfs.delete(runtimeDir, true).catch(() => false);
});

function processOf(pid: number): { pid: string; cmdline: Buffer; environ: Buffer } {
  return {
    pid: String(pid),
    cmdline: readFileSync(`/proc/${pid}/cmdline`),
    environ: readFileSync(`/proc/${pid}/environ`),
  };
}

describe('yarn-client: the application secret stays in memory and in the credentials', () => {
  it('is in no process, localized file, staged file, client output or container log', async () => {
    const child = spawn(
      process.execPath,
      [
        SUBMIT_BIN,
        '--master',
        'yarn',
        '--deploy-mode',
        'client',
        '--num-executors',
        '2',
        '--executor-memory',
        '256m',
        '--conf',
        'spark.yarn.am.memory=256m',
        '--conf',
        'spark.yarn.maxAppAttempts=1',
        '--conf',
        `spark.tspark.yarn.runtimeDir=${runtimeDir}`,
        '--conf',
        'spark.yarn.preserve.staging.files=true',
        SLEEPY,
        '2',
        '12000',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          TSPARK_LOG_LEVEL: 'debug',
          HADOOP_CONF_DIR: cluster.confDir,
          HADOOP_USER_NAME: cluster.user,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let appId: string | undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      appId ??= submittedAppId(stderr);
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));

    // the AM and both executor containers (three token files) and their processes
    let secret: Buffer | undefined;
    let tokenFiles = new Map<string, string>();
    let processes: ReturnType<typeof applicationProcesses> = [];
    let cli: ReturnType<typeof processOf> | undefined;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      if (appId) {
        tokenFiles = containerTokenFiles(cluster, appId);
        processes = applicationProcesses(appId);
        if (
          tokenFiles.size >= 3 &&
          processes.length >= 3 &&
          /Registered executor \d+ [\s\S]*Registered executor \d+ /.test(stderr)
        ) {
          cli = processOf(child.pid!);
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(appId, stderr.slice(-2000)).toBeDefined();
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

    // tspark-submit (the driver) and the container processes
    expect(cli).toBeDefined();
    for (const p of [cli!, ...processes]) {
      expect(leaks(p.cmdline, forms), `pid ${p.pid} command line`).toEqual([]);
      expect(leaks(p.environ, forms), `pid ${p.pid} environment`).toEqual([]);
    }

    let scanned = 0;
    for (const dir of [...tokenFiles.values()].map((f) => path.dirname(f))) {
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

    const code = await exited;
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(stdout).toContain('sleepy tasks done: 2');
    // the driver's log at debug level included
    expect(leaks(stdout + stderr, forms), 'client output').toEqual([]);

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

    // aggregated logs of the AM and executor containers
    let logs = '';
    for (let i = 0; i < 60 && !/Registered with the driver/.test(logs); i++) {
      logs = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId!])).stdout;
      if (!/Registered with the driver/.test(logs)) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(logs).toMatch(/Registered with the driver/);
    expect(leaks(logs, forms), 'container logs').toEqual([]);
  }, 400_000);
});
