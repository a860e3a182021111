import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { ResourceManagerClient } from '../../../src/yarn/rest/client.js';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import { runSubmit, submittedAppId, yarnClusterArgs } from '../../support/submit-cli.js';

/**
 * The ApplicationMaster on the real cluster, through the built CLI
 * (`npm run build` first): register over Hadoop IPC, allocate executor
 * containers on both NodeManagers, launch them with NMTokens, see them
 * complete, unregister, and every failure path ending in a FAILED
 * application with a reason instead of a hang. Executors run the stop-gap
 * spark.tspark.yarn.executorCommand; the driver runs in the AM.
 */




const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: HadoopCluster;
let rm: ResourceManagerClient;
let hdfs: WebHdfsClient;
let work: string;
let runtimeDir: string;
let env: Record<string, string>;

/** An application that runs a small job, prints its result, then waits `args[0]` seconds (only in attempt `args[1]`, if given). */
const WAITING_APP = `
import type { SparkContext } from 'tspark';
export default async function main(sc: SparkContext, args: string[]): Promise<void> {
  const sum = await sc.parallelize([1, 2, 3, 4, 5], 2).map((x: number) => x * 2).reduce((a: number, b: number) => a + b);
  console.log('sum is ' + sum);
  const attempt = Number((process.env.CONTAINER_ID ?? '').split('_').at(-2));
  const onlyIn = args[1] === undefined ? undefined : Number(args[1]);
  if (onlyIn === undefined || onlyIn === attempt) await new Promise((r) => setTimeout(r, Number(args[0] ?? 0) * 1000));
  console.log('main done in attempt ' + attempt);
}
`;
let app: string;

const base = (extra: string[] = []) => yarnClusterArgs(runtimeDir, extra);

/** Hadoop's own `yarn logs`, retried until log aggregation (on every node) has produced `until` and `containers`. */
async function yarnLogs(appId: string, until: RegExp, containers = 1): Promise<string> {
  let out = '';
  for (let i = 0; i < 45; i++) {
    out = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId])).stdout;
    if (until.test(out) && containersInLogs(out).size >= containers) return out;
    await sleep(2000);
  }
  return out;
}

/** `Container: <id> on <node>` headers of `yarn logs`, deduplicated. */
function containersInLogs(logs: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of logs.matchAll(/^Container: (container_\S+) on (\S+)$/gm)) found.set(m[1]!, m[2]!);
  return found;
}

/** The log section of one container's file (`LogType:<file>` … `End of LogType:<file>`). */
function logOf(logs: string, containerId: string, file: string): string {
  const parts = logs.split(/^Container: /m).filter((p) => p.startsWith(`${containerId} `));
  return parts
    .map(
      (p) =>
        new RegExp(`LogType:${file}\\n[\\s\\S]*?LogContents:\\n([\\s\\S]*?)End of LogType:${file}`).exec(
          p,
        )?.[1] ?? '',
    )
    .join('');
}

function confWith(props: Record<string, string>): string {
  const dir = mkdtempSync(path.join(work, 'conf-'));
  cpSync(cluster.confDir, dir, { recursive: true });
  const p = path.join(dir, 'yarn-site.xml');
  let xml = readFileSync(p, 'utf8');
  for (const [name, value] of Object.entries(props)) {
    const re = new RegExp(`(<name>${name.replace(/\./g, '\\.')}</name>\\s*<value>)[^<]*(</value>)`);
    xml = re.test(xml)
      ? xml.replace(re, `$1${value}$2`)
      : xml.replace(
          '</configuration>',
          `<property><name>${name}</name><value>${value}</value></property></configuration>`,
        );
  }
  writeFileSync(p, xml);
  return dir;
}

async function stagingEntries(): Promise<string[]> {
  const dir = `/user/${cluster.user}/.sparkStaging`;
  if (!(await hdfs.exists(dir))) return [];
  return (await hdfs.listStatus(dir)).map((s) => s.name);
}

/** The pid of the AM node process of a container, found through /proc (cwd is the container's work dir). */
function amPid(containerId: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const exe = readlinkSync(`/proc/${entry}/exe`);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      // The node process itself, not the NodeManager's bash launcher around it.
      if (
        cwd.endsWith(`/${containerId}`) &&
        path.basename(exe).startsWith('node') &&
        cmd.includes('dist/am/main.js')
      )
        return Number(entry);
    } catch {
      // process gone or not ours
    }
  }
  return undefined;
}

beforeAll(() => {
  cluster = hadoopCluster();
  rm = new ResourceManagerClient({ resourceManagers: [cluster.rmUrl], user: cluster.user });
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  work = mkdtempSync(path.join(os.tmpdir(), 'tspark-am-it-'));
  app = path.join(work, 'waiting-app.ts');
  writeFileSync(app, WAITING_APP);
  runtimeDir = `/user/${cluster.user}/.tspark-am-test-runtime`;
  env = { HADOOP_CONF_DIR: cluster.confDir };
});

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
});

describe('the ApplicationMaster on the real cluster', () => {
  it('registers, runs 3 executors across both NodeManagers, sees them complete and unregisters SUCCEEDED', async () => {
    const before = await stagingEntries();
    // 2 GiB + 384 MiB per executor (2560 MiB once rounded to the 256 MiB minimum allocation): at most
    // two fit on a 6 GiB NodeManager, so three need both. main waits 25 s so that a NodeManager that
    // first has to localize the runtime still runs its executor to the end.
    const r = await runSubmit(
      [
        ...base([
          '--executor-memory',
          '2g',
          '--num-executors',
          '3',
          '--conf',
          'spark.tspark.yarn.executorCommand=sleep 3',
        ]),
        '--name',
        'am-three-executors',
        app,
        '25',
      ],
      env,
    );
    const appId = submittedAppId(r.stderr);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Application ${appId} finished with final status SUCCEEDED.`);

    const report = await rm.getApplication(appId!);
    expect(report).toMatchObject({ state: 'FINISHED', finalStatus: 'SUCCEEDED' });
    const attempts = await rm.getApplicationAttempts(appId!);
    expect(attempts).toHaveLength(1);

    const logs = await yarnLogs(
      appId!,
      /Unregistered from the ResourceManager[\s\S]*End of LogType:stderr/,
      4,
    );
    const amContainer = attempts[0]!.containerId;
    const amLog = logOf(logs, amContainer, 'stderr');
    expect(amLog).toMatch(/Registered with the ResourceManager/);
    // Hadoop's aggregated logs name every container that ran, and its node.
    const executors = [...containersInLogs(logs)].filter(([id]) => id !== amContainer);
    expect(executors, logs.slice(0, 3000)).toHaveLength(3);
    expect(new Set(executors.map(([, node]) => node))).toEqual(
      new Set(cluster.nodeManagers.map((n) => n.nodeId.replace(':', '_'))),
    );
    // The AM launched exactly those, and saw each one exit 0.
    const launched = [...amLog.matchAll(/Launching executor \{[^}]*containerId=(container_\w+)/g)].map(
      (m) => m[1],
    );
    expect(new Set(launched)).toEqual(new Set(executors.map(([id]) => id)));
    const finished = [
      ...amLog.matchAll(
        /Executor finished \(exit status 0\); not replaced \{[^}]*containerId=(container_\w+)/g,
      ),
    ].map((m) => m[1]);
    expect(new Set(finished)).toEqual(new Set(launched));
    expect(amLog).toMatch(/Unregistered from the ResourceManager \{[^}]*finalStatus=SUCCEEDED/);
    expect(logOf(logs, amContainer, 'stdout')).toContain('sum is 30');

    // Hadoop's own CLI agrees, and shows the tracking URL the AM registered (its status page).
    const trackingUrl = /ApplicationMaster started \{[^}]*trackingUrl=(http:\/\/[^,}]+)/.exec(amLog)?.[1];
    expect(trackingUrl).toMatch(/^http:\/\/[^/]+:\d+\/$/);
    const status = await cluster.hadoopCli(['yarn', 'application', '-status', appId!]);
    expect(status.stdout).toMatch(/Final-State : SUCCEEDED/);
    expect(status.stdout).toContain(`Tracking-URL : ${trackingUrl}`);
    expect(before).not.toContain(appId);
    expect(await stagingEntries()).not.toContain(appId);
  });

  it('replaces failing executors and fails the application at spark.yarn.max.executor.failures, naming them', async () => {
    const r = await runSubmit(
      [
        ...base([
          '--num-executors',
          '2',
          '--conf',
          'spark.yarn.max.executor.failures=3',
          '--conf',
          'spark.tspark.yarn.executorCommand=echo "executor refused: marker-7" >&2; exit 1',
        ]),
        app,
        '300',
      ],
      env,
    );
    const appId = submittedAppId(r.stderr);
    expect(r.code, r.stderr).toBe(ExitCode.APP_FAILED);
    expect(r.stderr).toContain('Max number of executor failures (3) reached');
    expect(r.stderr).toMatch(/executor \d+ \(container_\w+ on localhost:\d+\) exited with code 1/);
    // The tail of the executor's own stderr, fetched from its NodeManager, without the NM's framing.
    expect(r.stderr).toMatch(
      /exited with code 1; last lines of its stderr:\n\s+executor refused: marker-7\n/,
    );
    expect(r.stderr).not.toContain('LogContents');
    const status = await cluster.hadoopCli(['yarn', 'application', '-status', appId!]);
    expect(status.stdout).toMatch(/Final-State : FAILED/);
    expect(status.stdout).toContain('Max number of executor failures (3) reached');
    // Replaced: more containers ran than the 2 asked for at first.
    const logs = await yarnLogs(appId!, /Final app status: FAILED/);
    const executors = [...containersInLogs(logs).keys()].filter((id) => !id.endsWith('_000001'));
    expect(executors.length).toBeGreaterThanOrEqual(3);
  });

  it('an AM killed mid-run is retried as attempt 2 when spark.yarn.maxAppAttempts allows it', async () => {
    let appId: string | undefined;
    const run = runSubmit(
      [
        ...base([
          '--num-executors',
          '1',
          '--conf',
          'spark.yarn.maxAppAttempts=2',
          '--conf',
          'spark.tspark.yarn.executorCommand=sleep 1',
        ]),
        app,
        '300',
        '1',
      ],
      env,
      (t) => {
        appId ??= submittedAppId(t);
      },
    );
    const pid = await killAmWhenRunning(() => appId, 1);
    expect(pid).toBeGreaterThan(0);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const attempts = await rm.getApplicationAttempts(appId!);
    expect(attempts.map((a) => a.id)).toEqual([1, 2]);
    const report = await rm.getApplication(appId!);
    expect(report).toMatchObject({ state: 'FINISHED', finalStatus: 'SUCCEEDED' });
    const logs = await yarnLogs(appId!, /main done in attempt 2/);
    expect(logOf(logs, attempts[1]!.containerId, 'stdout')).toContain('main done in attempt 2');
  });

  it('an AM killed mid-run in its last attempt: the application is reported FAILED with the reason', async () => {
    let appId: string | undefined;
    const run = runSubmit(
      [...base(['--num-executors', '1', '--conf', 'spark.tspark.yarn.executorCommand=sleep 1']), app, '300'],
      env,
      (t) => {
        appId ??= submittedAppId(t);
      },
    );
    await killAmWhenRunning(() => appId, 1);
    const r = await run;
    expect(r.code, r.stderr).toBe(ExitCode.APP_FAILED);
    expect(r.stderr).toMatch(/exit(ed with)? ?code:? ?137|exitCode: 137/i);
    const status = await cluster.hadoopCli(['yarn', 'application', '-status', appId!]);
    expect(status.stdout).toMatch(/Final-State : FAILED/);
  });

  it('an error thrown outside main (in a timer) still ends the application FAILED with its message', async () => {
    const file = path.join(work, 'timer-throw.ts');
    writeFileSync(
      file,
      'export default async function main(): Promise<void> {\n' +
        "  setTimeout(() => { throw new Error('thrown from a timer: marker-9'); }, 10);\n" +
        '  await new Promise((r) => setTimeout(r, 120_000));\n' +
        '}\n',
    );
    const r = await runSubmit(
      [...base(['--num-executors', '1', '--conf', 'spark.tspark.yarn.executorCommand=sleep 1']), file],
      env,
    );
    expect(r.code, r.stderr).toBe(ExitCode.APP_FAILED);
    expect(r.stderr).toContain('Uncaught error: thrown from a timer: marker-9');
    expect(r.ms).toBeLessThan(100_000);
  });

  it('an unreachable RM scheduler address: a clear error in the AM log and a FAILED application, no hang', async () => {
    const confDir = confWith({
      'yarn.resourcemanager.scheduler.address': '127.0.0.1:1',
      'yarn.resourcemanager.connect.max-wait.ms': '3000',
    });
    const r = await runSubmit([...base(['--num-executors', '1']), app, '0'], { HADOOP_CONF_DIR: confDir });
    expect(r.code, r.stderr).toBe(ExitCode.APP_FAILED);
    expect(r.ms).toBeLessThan(120_000);
    expect(r.stderr).toContain('cannot reach the ResourceManager scheduler at 127.0.0.1:1');
    expect(r.stderr).toContain('yarn.resourcemanager.scheduler.address');
  });

  it('a wrong AMRMToken: the RM refuses the registration, the AM says so and the application FAILS', async () => {
    // A `node` for the AM container that first replaces the AMRMToken's password in its tokens file.
    const wrapper = path.join(work, 'node-with-bad-token.sh');
    writeFileSync(
      wrapper,
      `#!/bin/sh
node --input-type=module -e "
import fs from 'node:fs';
const c = await import('file://' + process.cwd() + '/node_modules/tspark/dist/src/hadoop/security/credentials.js');
const creds = c.parseTokenStorage(fs.readFileSync(process.env.HADOOP_TOKEN_FILE_LOCATION));
for (const t of creds.tokens) if (t.token.kind === 'YARN_AM_RM_TOKEN') t.token.password = new Uint8Array(t.token.password.length).fill(7);
fs.writeFileSync('bad_container_tokens', c.writeTokenStorage(creds));
" || exit 99
HADOOP_TOKEN_FILE_LOCATION="$PWD/bad_container_tokens" exec node "$@"
`,
    );
    chmodSync(wrapper, 0o755);
    const r = await runSubmit(
      [...base(['--num-executors', '1', '--conf', `spark.tspark.node=${wrapper}`]), app, '0'],
      env,
    );
    expect(r.code, r.stderr).toBe(ExitCode.APP_FAILED);
    expect(r.stderr).toContain("refused the ApplicationMaster's registration");
    expect(r.stderr).toContain('SaslException');
  });
});

/** Waits for the attempt's AM to register (RUNNING), then SIGKILLs its node process. */
async function killAmWhenRunning(appId: () => string | undefined, attempt: number): Promise<number> {
  for (let i = 0; i < 240; i++) {
    const id = appId();
    if (id) {
      const report = await rm.getApplication(id);
      const attempts = await rm.getApplicationAttempts(id);
      const container = attempts.find((a) => a.id === attempt)?.containerId;
      if (report.state === 'RUNNING' && container) {
        const pid = amPid(container);
        if (pid) {
          process.kill(pid, 'SIGKILL');
          return pid;
        }
      }
    }
    await sleep(500);
  }
  throw new Error('the AM never reached RUNNING');
}
