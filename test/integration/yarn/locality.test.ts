import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import { REPO_ROOT, runSubmit, submittedAppId } from '../../support/submit-cli.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * Locality-aware container requests on the real cluster: an executor is
 * killed while tasks that prefer a known host are pending, and the AM asks
 * for its replacement on that host (a node row with its rack row and the
 * '*' total), in cluster mode (the driver in the AM) and client mode (the
 * driver sends its preferences over the AM link). The input is a local file,
 * whose splits prefer `localhost` — the host name both NodeManagers of the
 * test cluster register with (checked through the RM's REST API). Asserted
 * on what the AM logged about its asks and launches, and on the job's answer.
 */

const APP = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'locality-kill.ts');
const PREFERRED_HOST = 'localhost';

let cluster: HadoopCluster;
let hdfs: WebHdfsClient;
let runtimeDir: string;
let localDir: string;
let input: string;
let lineCount: number;
let nmHosts: string[];

beforeAll(async () => {
  cluster = hadoopCluster();
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  runtimeDir = `/user/${cluster.user}/.tspark-test-runtime-locality-${process.pid}`;
  localDir = tempDir('tspark-locality-test-');
  input = path.join(localDir, 'input.txt');
  const lines = Array.from({ length: 6000 }, (_, i) => `line ${i} ${'x'.repeat(i % 40)}`);
  lineCount = lines.length;
  writeFileSync(input, `${lines.join('\n')}\n`);
  const res = await fetch(`${cluster.rmUrl}/ws/v1/cluster/nodes`, { headers: { Accept: 'application/json' } });
  const body = (await res.json()) as { nodes?: { node?: { nodeHostName: string; state: string }[] } };
  nmHosts = (body.nodes?.node ?? []).filter((n) => n.state === 'RUNNING').map((n) => n.nodeHostName);
});

afterAll(async () => {
  await hdfs.delete(runtimeDir, true).catch(() => false);
});

/** The AM container's stderr (its log) from `yarn logs`, retried until it has `expected`. */
async function amLog(appId: string, expected: RegExp): Promise<string> {
  const am = `container_${appId.slice('application_'.length)}_01_000001`;
  let section = '';
  for (let i = 0; i < 60; i++) {
    const out = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId, '-containerId', am])).stdout;
    section = /LogType:stderr\n[\s\S]*?LogContents:\n([\s\S]*?)\nEnd of LogType:stderr/.exec(out)?.[1] ?? '';
    if (expected.test(section)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return section;
}

describe.each(['cluster', 'client'] as const)('yarn-%s: the replacement of a killed executor is asked for near pending tasks', (deployMode) => {
  it('asks for the replacement on the preferred host and the job still succeeds', async () => {
    expect(nmHosts.length, 'no running NodeManagers').toBeGreaterThan(0);
    const marker = path.join(localDir, `${deployMode}-marker`);
    writeFileSync(marker, '');
    let appId: string | undefined;
    const running = runSubmit(
      [
        '--master', 'yarn',
        '--deploy-mode', deployMode,
        '--num-executors', '2',
        '--executor-cores', '1',
        '--executor-memory', '256m',
        ...(deployMode === 'cluster' ? ['--driver-memory', '256m'] : []),
        '--conf', 'spark.yarn.maxAppAttempts=1',
        '--conf', `spark.tspark.yarn.runtimeDir=${runtimeDir}`,
        APP, `file://${input}`, marker, '12', '1500',
      ],
      { HADOOP_CONF_DIR: cluster.confDir },
      (stderr) => (appId ??= submittedAppId(stderr)),
    );
    // the first task has counted its lines and blocks: kill its executor while most tasks are pending
    let victim: number | undefined;
    for (let i = 0; i < 1800 && victim === undefined; i++) {
      const first = /^done \d+ (\d+)$/m.exec(readFileSync(marker, 'utf8'));
      if (first) victim = Number(first[1]);
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(victim, 'no task started').toBeDefined();
    process.kill(victim!, 'SIGKILL');
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    const stdout = deployMode === 'cluster' ? undefined : run.stdout;
    if (stdout !== undefined) expect(stdout).toContain(`lines ${lineCount}\n`);

    // the AM's log is text: `<time> <LEVEL> <component>: <msg> {k=v, …}`, objects as JSON
    const log = await amLog(appId!, /Asking for \d+ new executor container\(s\) near pending tasks/);
    const lines = log.split('\n');
    const near = lines.filter((l) => / Asking for \d+ new executor container\(s\) near pending tasks/.test(l));
    expect(near.length, log.slice(-4000)).toBeGreaterThan(0);
    // the replacement: one container, on the host the pending tasks prefer
    expect(near[0]).toContain(`near pending tasks: 1 on ${PREFERRED_HOST}`);
    expect(near[0]).toContain(`hosts={"${PREFERRED_HOST}":1}`);
    expect(Number(/localityAwareTasks=(\d+)/.exec(near[0]!)?.[1])).toBeGreaterThan(0);
    // the ask that went out: the node row, its rack row, and a '*' total of 1 (no surplus asked)
    const rows = lines
      .filter((l) => / Asking the ResourceManager for executor containers /.test(l))
      .map((l) => /rows=(\{[^}]*\})/.exec(l)?.[1]);
    expect(rows, log.slice(-4000)).toContain(`{"*":1,"/default-rack":1,"${PREFERRED_HOST}":1}`);
    // the RM's NodeManagers are on that host, so the container came from the node-level request
    expect(nmHosts).toContain(PREFERRED_HOST);
    const launches = lines.filter((l) => / Launching executor \{/.test(l));
    expect(launches, log.slice(-4000)).toHaveLength(3);
    expect(launches[2]).toContain(`requestedHost=${PREFERRED_HOST}`);
    // no container beyond the three wanted
    expect(lines.filter((l) => / Releasing container: surplus/.test(l))).toEqual([]);

    if (deployMode === 'cluster') {
      const all = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId!])).stdout;
      expect(all).toContain(`lines ${lineCount}`);
    }
  }, 300_000);
});
