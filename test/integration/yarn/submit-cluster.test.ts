import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { ResourceManagerClient } from '../../../src/yarn/rest/client.js';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import { runSubmit, submittedAppId, yarnClusterArgs } from '../../support/submit-cli.js';

/**
 * yarn-cluster submission against the real test cluster, driven through the
 * built CLI as a user would: staging, the launch context, a full run of the
 * application by the ApplicationMaster (its output in the AM container's
 * stdout), monitoring, kill and status. The ApplicationMaster's own paths
 * (executors, failures, retries) are in am-cluster.test.ts.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APP = path.join(ROOT, 'test', 'fixtures', 'apps', 'hello.ts');
const SLOW_NODE = path.join(ROOT, 'test', 'fixtures', 'apps', 'slow-node.sh');




let cluster: HadoopCluster;
let hdfs: WebHdfsClient;
let runtimeDir: string;
let stagingBase: string;
let env: Record<string, string>;
const tempDirs: string[] = [];

/**
 * This file's submissions stage under a base of their own (spark.yarn.stagingDir), so other
 * applications on the shared cluster never show up in these listings.
 */
async function stagingEntries(): Promise<string[]> {
  const dir = `${stagingBase}/${cluster.user}/.sparkStaging`;
  if (!(await hdfs.exists(dir))) return [];
  return (await hdfs.listStatus(dir)).map((s) => s.name).sort();
}

/** A copy of the client configuration with one property changed. */
function confWith(file: string, name: string, value: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tspark-conf-'));
  tempDirs.push(dir);
  cpSync(cluster.confDir, dir, { recursive: true });
  const p = path.join(dir, file);
  const xml = readFileSync(p, 'utf8');
  const re = new RegExp(`(<name>${name.replace(/\./g, '\\.')}</name>\\s*<value>)[^<]*(</value>)`);
  const replaced = re.test(xml)
    ? xml.replace(re, `$1${value}$2`)
    : xml.replace(
        '</configuration>',
        `<property><name>${name}</name><value>${value}</value></property></configuration>`,
      );
  writeFileSync(p, replaced);
  return dir;
}

const base = (extra: string[] = []) =>
  yarnClusterArgs(runtimeDir, ['--conf', `spark.yarn.stagingDir=${stagingBase}`, ...extra]);

beforeAll(async () => {
  cluster = hadoopCluster();
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  runtimeDir = `/user/${cluster.user}/.tspark-test-runtime-${process.pid}`;
  stagingBase = `/user/${cluster.user}/.tspark-test-staging-${process.pid}`;
  env = { HADOOP_CONF_DIR: cluster.confDir };
});

afterAll(async () => {
  await hdfs.delete(runtimeDir, true).catch(() => false);
  await hdfs.delete(stagingBase, true).catch(() => false);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe('tspark-submit --master yarn --deploy-mode cluster', () => {
  it('stages, submits, runs the application in the AM and reports SUCCEEDED; a second submission reuses the runtime', async () => {
    const before = await stagingEntries();
    const first = await runSubmit(
      [
        ...base(['--conf', 'spark.tspark.yarn.executorCommand=true']),
        '--name',
        'staging-check',
        APP,
        'a b',
        '--x',
      ],
      env,
    );
    const appId = submittedAppId(first.stderr);
    expect(appId, first.stderr).toBeDefined();
    expect(first.stderr).toContain(`Application report for ${appId} (state: ACCEPTED)`);
    // (RUNNING may come and go between two 1 s polls: this application only prints.)
    expect(first.stderr).toContain(`Application report for ${appId} (state: FINISHED)`);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`Application ${appId} finished with final status SUCCEEDED.`);

    // The RM's own view agrees with what the client printed.
    const report = await cluster.hadoopCli(['yarn', 'application', '-status', appId!]);
    expect(report.stdout).toMatch(/Final-State : SUCCEEDED/);
    expect(report.stdout).toContain('Application-Type : TSPARK');
    expect(report.stdout).toContain('Application-Name : staging-check');

    // This application's staging directory is gone (others may be staging meanwhile on the shared
    // cluster); the runtime was uploaded once into the shared directory.
    expect(await stagingEntries()).not.toContain(appId);
    expect(before).not.toContain(appId);
    const runtime = await hdfs.listStatus(runtimeDir);
    expect(runtime.map((s) => s.name)).toEqual([
      expect.stringMatching(/^tspark-runtime-0\.1\.0-[0-9a-f]{12}\.tgz$/),
    ]);
    const firstMtime = runtime[0]!.modificationTime;

    // The AM container ran node with the bundle, the runtime and the conf localized: the
    // application's own output (its arguments, quoted through two shells) is in the AM's stdout.
    let logs = '';
    for (let i = 0; i < 60 && !logs.includes('hello from tspark'); i++) {
      logs = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId!])).stdout;
      if (!logs.includes('hello from tspark')) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(logs, logs.slice(0, 2000)).toContain('hello from tspark with 2 arguments: a b --x');
    expect(logs).toMatch(/ApplicationMaster started \{[^}]*containerId=container_\w+_01_000001/);
    expect(logs).toMatch(/Unregistered from the ResourceManager \{[^}]*finalStatus=SUCCEEDED/);

    const second = await runSubmit([...base(['--conf', 'spark.tspark.yarn.executorCommand=true']), APP], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('Reusing the tspark runtime already in HDFS');
    expect(second.stderr).not.toContain('Uploading the tspark runtime');
    const again = await hdfs.listStatus(runtimeDir);
    expect(again).toHaveLength(1);
    expect(again[0]!.modificationTime).toBe(firstMtime);
  });

  it('a failing application ends FAILED and the client reports its error and where the logs are', async () => {
    const r = await runSubmit(
      [
        ...base(['--conf', 'spark.tspark.yarn.executorCommand=true']),
        path.join(ROOT, 'examples', 'spark-pi.ts'),
        'not-a-number',
      ],
      env,
    );
    const appId = submittedAppId(r.stderr);
    expect(r.code, r.stderr).toBe(ExitCode.APP_FAILED);
    expect(r.stderr).toContain(`Error: Application ${appId} finished with status FAILED`);
    expect(r.stderr).toContain("slices must be a positive integer, got 'not-a-number'");
    expect(r.stderr).toContain(`tspark logs ${appId}`);
  });

  it('kills a running application: --kill ends it KILLED and the submitting client exits with that reason', async () => {
    let submitted: string | undefined;
    const submission = runSubmit(
      [
        ...base([
          '--conf',
          `spark.tspark.node=${SLOW_NODE}`,
          '--conf',
          'spark.yarn.appMasterEnv.TSPARK_TEST_DELAY=120',
        ]),
        APP,
      ],
      env,
      (text) => {
        submitted ??= submittedAppId(text);
      },
    );
    // The app stays ACCEPTED until an AM registers; wait until its AM container exists.
    const rm = new ResourceManagerClient({ resourceManagers: [cluster.rmUrl], user: cluster.user });
    let amContainer: string | undefined;
    for (let i = 0; i < 120 && !amContainer; i++) {
      if (submitted) amContainer = (await rm.getApplicationAttempts(submitted))[0]?.containerId || undefined;
      if (!amContainer) await new Promise((r) => setTimeout(r, 500));
    }
    expect(amContainer).toMatch(/^container_/);
    const status = await runSubmit(['--master', 'yarn', '--status', submitted!], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Application report for ${submitted}`);
    expect(status.stdout).toMatch(/state: (ACCEPTED|RUNNING)/);

    const kill = await runSubmit(['--master', 'yarn', '--kill', submitted!], env);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toContain(`Application ${submitted} is KILLED`);

    const result = await submission;
    expect(result.code).toBe(ExitCode.APP_KILLED);
    expect(result.stderr).toContain(`Error: Application ${submitted} was killed`);
    const rmView = await cluster.hadoopCli(['yarn', 'application', '-status', submitted!]);
    expect(rmView.stdout).toMatch(/State : KILLED/);
  });

  it('reports an unknown or malformed application id clearly', async () => {
    const unknown = await runSubmit(['--master', 'yarn', '--status', 'application_1_0001'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Error: .*application_1_0001/);
    const malformed = await runSubmit(['--master', 'yarn', '--kill', 'app-42'], env);
    expect(malformed.code).toBe(ExitCode.USAGE);
    expect(malformed.stderr).toContain('is not a YARN application id');
  });
});

describe('bad input leaves no staging directory behind', () => {
  it.each([
    {
      what: 'ResourceManager unreachable',
      conf: () => confWith('yarn-site.xml', 'yarn.resourcemanager.webapp.address', '127.0.0.1:1'),
      args: [] as string[],
      code: ExitCode.REMOTE,
      message: /Cannot reach the ResourceManager at http:\/\/127\.0\.0\.1:1/,
    },
    {
      what: 'NameNode unreachable',
      conf: () => confWith('hdfs-site.xml', 'dfs.namenode.http-address', '127.0.0.1:1'),
      args: [],
      code: ExitCode.REMOTE,
      message: /Cannot reach the NameNode at http:\/\/127\.0\.0\.1:1/,
    },
    {
      what: 'unknown queue',
      conf: undefined,
      args: ['--queue', 'no-such-queue'],
      code: ExitCode.USAGE,
      message:
        /queue 'no-such-queue' does not exist in this cluster's scheduler: use --queue with one of .*default/,
    },
    {
      what: 'AM memory above the cluster maximum',
      conf: undefined,
      args: ['--driver-memory', '100g'],
      code: ExitCode.RESOURCES,
      message:
        /102400 MiB heap \(spark\.driver\.memory\) \+ 10240 MiB overhead .* = 112640 MiB, above this cluster's maximum container size/,
    },
    {
      what: 'executor memory above the cluster maximum',
      conf: undefined,
      args: ['--executor-memory', '64g'],
      code: ExitCode.RESOURCES,
      message: /executor container needs 65536 MiB heap/,
    },
    {
      what: 'missing --files path',
      conf: undefined,
      args: ['--files', '/nonexistent/tspark-input.txt'],
      code: undefined,
      message: /\/nonexistent\/tspark-input\.txt/,
    },
  ])('$what', async ({ conf, args, code, message }) => {
    const before = await stagingEntries();
    const confDir = conf ? conf() : cluster.confDir;
    const r = await runSubmit([...base(args), APP], { HADOOP_CONF_DIR: confDir });
    expect(r.code).not.toBe(0);
    if (code !== undefined) expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await stagingEntries()).toEqual(before);
  });

  it('staging directory not writable', async () => {
    // Acting as a user that is not the HDFS superuser (who may write anywhere).
    const user = 'tspark-no-write';
    const readOnly = `/tspark-readonly-${process.pid}`;
    const admin = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.superuser });
    await admin.mkdirs(`${readOnly}/${user}`, 0o755);
    try {
      const r = await runSubmit([...base(['--conf', `spark.yarn.stagingDir=${readOnly}`]), APP], {
        ...env,
        HADOOP_USER_NAME: user,
      });
      expect(r.code, r.stderr).toBe(ExitCode.PERMISSION);
      expect(r.stderr).toMatch(/[Pp]ermission denied/);
      expect(r.stderr).toContain(user);
      expect(r.stderr).toContain(`${readOnly}/${user}`);
      expect(await admin.listStatus(`${readOnly}/${user}`)).toHaveLength(0);
    } finally {
      await admin.delete(readOnly, true);
    }
  });
});
