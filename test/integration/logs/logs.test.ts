// `tspark logs` against Hadoop's own `yarn logs` on the same applications of
// the real test cluster. Both print in UTC (TZ=UTC for the JVM, the same zone
// for ours), so the outputs must be identical byte for byte.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHadoopConf } from '../../../src/conf/hadoop-conf.js';
import { clusterLogsDeps } from '../../../src/logs/cluster-deps.js';
import type { LogsDeps } from '../../../src/logs/deps.js';
import { runLogsCommand } from '../../../src/logs/logs-command.js';
import { followContainer } from '../../../src/logs/running/follow.js';
import { StreamWriter } from '../../../src/logs/output/sink.js';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import { Collector } from '../../unit/logs/fake-cluster.js';
import { attempts, kill, submitShellApp, waitAggregated, waitRunning } from './cluster-apps.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = path.join(REPO, 'node_modules', '.cache', 'tspark-logs-it', 'logs-entry.mjs');
const BIG_BYTES = 50 * 1024 * 1024;

let cluster: HadoopCluster;
let deps: LogsDeps;
let multiApp: string;
let bigApp: string;

function depsAs(user: string): LogsDeps {
  return {
    ...clusterLogsDeps({ hadoopConf: loadHadoopConf([cluster.confDir]), user }),
    timeZoneOffset: () => 0,
  };
}

async function tsparkLogs(
  args: string[],
  d = deps,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runLogsCommand(args, { stdout, stderr }, d);
  return { code, stdout: stdout.bytes, stderr: stderr.text };
}

async function yarnLogs(args: string[]): Promise<{ code: number | null; stdout: Buffer }> {
  const r = await cluster.hadoopCli(['yarn', 'logs', ...args], { env: { TZ: 'UTC' }, timeoutMs: 240_000 });
  return { code: r.code, stdout: Buffer.from(r.stdout, 'utf8') };
}

/** The bundled entry as a process: stdout hashed as it streams, peak RSS from its last stderr line. */
function tsparkLogsProcess(
  args: string[],
): Promise<{
  code: number | null;
  sha256: string;
  bytes: number;
  maxRssKiB: number;
  maxLiveBytes: number;
  ms: number;
}> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--expose-gc', BUNDLE, ...args], {
      env: { ...process.env, ...cluster.env, TZ: 'UTC', HADOOP_USER_NAME: cluster.user },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const hash = createHash('sha256');
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      hash.update(b);
      bytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const last = JSON.parse(err.trim().split('\n').pop() ?? '{}') as {
        maxRssKiB: number;
        maxLiveBytes: number;
      };
      resolve({ code, sha256: hash.digest('hex'), bytes, ...last, ms: Date.now() - started });
    });
  });
}

beforeAll(async () => {
  cluster = hadoopCluster();
  deps = depsAs(cluster.user);
  mkdirSync(path.dirname(BUNDLE), { recursive: true });
  await build({
    entryPoints: [path.join(REPO, 'test/integration/logs/logs-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: BUNDLE,
    logLevel: 'error',
  });
  // Two attempts (the shell AM never registers): two AM containers, usually on both nodes.
  multiApp = await submitShellApp(
    cluster,
    'tspark-logs-it-multi',
    `printf 'out of %s\\\\nh\u00e9llo\\\\n' $CONTAINER_ID ; seq 1 60 | sed 's/.*/stderr line & of the multi app/' >&2 ; exit 2`,
    2,
  );
  // 50 MiB of stdout in one container.
  bigApp = await submitShellApp(
    cluster,
    'tspark-logs-it-50mb',
    `yes 'a line of the fifty megabyte log, 0123456789 abcdefghijklmnopqrstuvwxyz' | head -c ${BIG_BYTES}`,
  );
  await Promise.all([waitAggregated(cluster, multiApp), waitAggregated(cluster, bigApp)]);
});

describe('tspark logs on a finished application, against yarn logs', () => {
  it('prints the same containers, files and bytes for the whole application', async () => {
    const [ours, theirs] = [await tsparkLogs([multiApp]), await yarnLogs(['-applicationId', multiApp])];
    expect(theirs.code).toBe(0);
    expect(ours.code).toBe(0);
    expect(ours.stdout.toString()).toContain('LogAggregationType: AGGREGATED');
    const containers = (b: Buffer): string[] => [...new Set(b.toString().match(/^Container: \S+ on \S+$/gm))];
    expect(containers(ours.stdout)).toEqual(containers(theirs.stdout));
    expect(containers(ours.stdout).length).toBe(2);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it.each([
    ['-log_files stderr', ['-log_files', 'stderr']],
    ['-size -200', ['-size', '-200']],
    ['-am 1', ['-am', '1']],
  ])('%s: same bytes', async (_name, extra) => {
    const ours = await tsparkLogs(['-applicationId', multiApp, ...extra]);
    const theirs = await yarnLogs(['-applicationId', multiApp, ...extra]);
    expect(ours.code).toBe(0);
    expect(ours.stdout.length).toBeGreaterThan(0);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it('-containerId: same bytes', async () => {
    const second = (await attempts(cluster, multiApp)).find((a) => a.id === 2)!.containerId;
    const ours = await tsparkLogs(['-containerId', second]);
    const theirs = await yarnLogs(['-containerId', second]);
    expect(ours.code).toBe(0);
    expect(ours.stdout.toString()).toContain(`Container: ${second} on `);
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it('a 50 MiB log: same bytes, memory bounded', async () => {
    const small = await tsparkLogsProcess([multiApp, '-log_files', 'stderr']);
    const ours = await tsparkLogsProcess([bigApp]);
    const t0 = Date.now();
    const theirs = await yarnLogs(['-applicationId', bigApp]);
    const yarnMs = Date.now() - t0;
    expect(ours.code).toBe(0);
    expect(ours.bytes).toBe(theirs.stdout.length);
    expect(ours.bytes).toBeGreaterThan(BIG_BYTES);
    expect(ours.sha256).toBe(createHash('sha256').update(theirs.stdout).digest('hex'));
    const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);
    console.log(
      `tspark logs, 50 MiB log: ${ours.ms} ms, peak RSS ${mib(ours.maxRssKiB * 1024)} MiB, live after GC ${mib(ours.maxLiveBytes)} MiB ` +
        `(small app: ${mib(small.maxRssKiB * 1024)} MiB, live ${mib(small.maxLiveBytes)} MiB, ${small.ms} ms); yarn logs: ${yarnMs} ms`,
    );
    // A reader that held the file (or a container's value) would keep 50 MiB alive; measured 6-12 MiB.
    // (Peak RSS, logged above, also counts garbage V8 collects late, so it is not asserted.)
    expect(ours.maxLiveBytes - small.maxLiveBytes).toBeLessThan(24 * 1024 * 1024);
  });

  it('is faster than yarn logs (no JVM to start)', async () => {
    const args = ['-applicationId', multiApp, '-log_files', 'stdout'];
    const ours = await tsparkLogsProcess(args);
    const t0 = Date.now();
    const theirs = await yarnLogs(args);
    const yarnMs = Date.now() - t0;
    console.log(
      `small application: tspark logs ${ours.ms} ms, yarn logs ${yarnMs} ms (ratio ${(yarnMs / ours.ms).toFixed(1)})`,
    );
    expect(ours.sha256).toBe(createHash('sha256').update(theirs.stdout).digest('hex'));
    expect(ours.ms).toBeLessThan(yarnMs);
  });

  it('names the user and the directory when HDFS refuses access', async () => {
    const ours = await tsparkLogs([multiApp], depsAs('mallory'));
    expect(ours.code).toBe(9);
    expect(ours.stderr).toMatch(/HDFS denied user 'mallory' access to the aggregated logs at \/tmp\/logs\//);
  });
});

describe('tspark logs on a running application', () => {
  let runningApp: string;
  afterAll(async () => {
    if (runningApp) await kill(cluster, runningApp);
  });

  it('prints the same bytes as yarn logs while it runs', async () => {
    runningApp = await submitShellApp(
      cluster,
      'tspark-logs-it-running',
      `printf 'running stdout of %s\\\\n' $CONTAINER_ID ; echo 'running stderr' >&2 ; sleep 120`,
    );
    await waitRunning(cluster, runningApp);
    await new Promise((r) => setTimeout(r, 2000));
    const ours = await tsparkLogs([runningApp, '-log_files', 'stdout,stderr']);
    const theirs = await yarnLogs(['-applicationId', runningApp, '-log_files', 'stdout,stderr']);
    expect(ours.code).toBe(0);
    expect(ours.stdout.toString()).toContain('LogAggregationType: LOCAL');
    expect(ours.stdout.toString()).toContain('This log file belongs to a running container');
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it.each([
    ['all files', []],
    ['-am 1', ['-am', '1']],
    ['-size -20', ['-size', '-20']],
  ])('%s of the running application: same bytes', async (_name, extra) => {
    const ours = await tsparkLogs([runningApp, ...extra]);
    const theirs = await yarnLogs(['-applicationId', runningApp, ...extra]);
    expect(ours.code).toBe(0);
    expect(ours.stdout.toString()).toContain('LogType:launch_container.sh');
    expect(ours.stdout.equals(theirs.stdout)).toBe(true);
  });

  it('--follow prints what the container appends until it ends', async () => {
    const app = await submitShellApp(
      cluster,
      'tspark-logs-it-follow',
      `for i in 1 2 3 4 5 6 7 8; do printf 'tick %s\\\\n' \\$i; sleep 1; done`,
    );
    const c = await waitRunning(cluster, app);
    const node = cluster.nodeManagers.find((n) => n.nodeId === c.nodeId)!;
    const out = new Collector();
    await followContainer(
      { ...deps, pollIntervalMs: 300 },
      { containerId: c.containerId, nodeId: c.nodeId, nodeHttpAddress: node.httpAddress },
      { logFiles: ['stdout'] },
      new StreamWriter(out),
    );
    const expected = Array.from({ length: 8 }, (_, i) => `tick ${i + 1}\n`).join('');
    expect(out.text).toBe(expected);
  });
});
