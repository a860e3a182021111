// YARN of the test cluster through the ResourceManager REST API, with Hadoop's
// own `yarn application` / `yarn logs` as the oracle: two healthy NodeManagers,
// applications submitted over REST that really run in containers, identity,
// kill, physical-memory enforcement, and aggregated logs.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hadoopCluster } from '../../support/hadoop.js';
import { call, getJson, pollUntil, webhdfsUpload } from './http.js';
import {
  appReport,
  newApplication,
  shellCommand,
  submitApplication,
  waitForFinalState,
  waitForLogAggregation,
} from './rm.js';

const cluster = hadoopCluster();
const testDir = `/user/${cluster.user}/tspark-it/cluster-yarn-${process.pid}-${randomBytes(3).toString('hex')}`;
const MiB = 1024 * 1024;

function baseContext(name: string, memoryMb = 256): Record<string, unknown> {
  return {
    'application-name': name,
    'application-type': 'TSPARK-IT',
    queue: 'default',
    'max-app-attempts': 1,
    resource: { memory: memoryMb, vCores: 1 },
  };
}

async function yarnLogs(appId: string): Promise<string> {
  const res = await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId]);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout;
}

describe('ResourceManager REST on the test cluster', () => {
  afterAll(async () => {
    await call(
      'DELETE',
      `${cluster.webhdfsUrl}${testDir}?op=DELETE&recursive=true&user.name=${cluster.user}`,
    );
  });

  it('cluster/info: a started, active RM of the pinned Hadoop version', async () => {
    const info = (await getJson(`${cluster.rmUrl}/ws/v1/cluster/info`)).clusterInfo;
    expect(info.state).toBe('STARTED');
    expect(info.haState).toBe('ACTIVE');
    expect(info.hadoopVersion).toBe(cluster.version);
  });

  it('cluster/nodes: both NodeManagers RUNNING and healthy, with room for an AM and four 512 MiB executors', async () => {
    const nodes = (await getJson(`${cluster.rmUrl}/ws/v1/cluster/nodes`)).nodes.node as {
      id: string;
      state: string;
      healthReport: string;
      availMemoryMB: number;
      usedMemoryMB: number;
    }[];
    expect(nodes.map((n) => n.id).sort()).toEqual(cluster.nodeManagers.map((n) => n.nodeId).sort());
    for (const n of nodes) {
      expect(n.state).toBe('RUNNING');
      expect(n.healthReport).toBe('');
    }
    // Spark's sizing: container = memory + max(384 MiB, 10 %); a 1 GiB AM (driver)
    // and four 512 MiB executors.
    const overhead = (mb: number) => Math.max(384, Math.ceil(mb * 0.1));
    const am = 1024 + overhead(1024);
    const executor = 512 + overhead(512);
    const capacity = nodes.map((n) => n.availMemoryMB + n.usedMemoryMB);
    expect(capacity.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(am + 4 * executor);
    expect(Math.max(...capacity)).toBeGreaterThanOrEqual(am);

    // Hadoop's own CLI sees the same two nodes.
    const cli = await cluster.hadoopCli(['yarn', 'node', '-list']);
    expect(cli.code, cli.stderr).toBe(0);
    for (const n of cluster.nodeManagers) expect(cli.stdout).toMatch(new RegExp(`${n.nodeId}\\s+RUNNING`));
  });

  it('a shell AM submitted over REST runs in a container with node on PATH; yarn logs shows its output', async () => {
    const appId = await newApplication(cluster);
    await submitApplication(cluster, appId, {
      ...baseContext('tspark-it-shell-am'),
      'am-container-spec': shellCommand(
        'echo hello-from-am; echo node-version:$(node -p process.version); sleep 2',
      ),
    });
    const final = await waitForFinalState(cluster, appId);
    expect(final.user).toBe(cluster.user);
    // 3.4 reports the queue by its full path.
    expect(final.queue).toBe('root.default');
    // YARN fails an attempt whose AM container exits without ever registering,
    // even with exit code 0: a plain shell AM cannot end SUCCEEDED (the next
    // test's AM registers and does).
    expect(final.state).toBe('FAILED');
    expect(final.diagnostics).toMatch(/exited with\s+exitCode: 0/);

    const status = await cluster.hadoopCli(['yarn', 'application', '-status', appId]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/State : FAILED/);
    expect(status.stdout).toContain(`User : ${cluster.user}`);

    const aggregated = await waitForLogAggregation(cluster, appId);
    expect(aggregated.logAggregationStatus).toBe('SUCCEEDED');
    const logs = await yarnLogs(appId);
    expect(logs).toMatch(/LogType:stdout[\s\S]*hello-from-am/);
    expect(logs).toMatch(/node-version:v\d+\.\d+\.\d+/);
  });

  it('an AM that registers and unregisters over AMRM reaches FINISHED/SUCCEEDED', async () => {
    const source = readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), 'am', 'RegisteringAm.java'),
    );
    const staged = `${testDir}/RegisteringAm.java`;
    const st = await webhdfsUpload(cluster.webhdfsUrl, cluster.user, staged, source);
    const jars = readFileSync(cluster.classpathFile, 'utf8').trim();

    const appId = await newApplication(cluster);
    await submitApplication(cluster, appId, {
      ...baseContext('tspark-it-registering-am', 768),
      'am-container-spec': {
        'local-resources': {
          entry: [
            {
              key: 'RegisteringAm.java',
              value: {
                resource: `${cluster.defaultFS}${staged}`,
                type: 'FILE',
                visibility: 'APPLICATION',
                size: st.length,
                timestamp: st.modificationTime,
              },
            },
          ],
        },
        environment: { entry: [{ key: 'CLASSPATH', value: `${cluster.confDir}:${jars}` }] },
        commands: {
          command:
            '{{JAVA_HOME}}/bin/java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 RegisteringAm.java ' +
            '1><LOG_DIR>/stdout 2><LOG_DIR>/stderr',
        },
      },
    });
    const final = await waitForFinalState(cluster, appId);
    expect(`${final.state}/${final.finalStatus}`, final.diagnostics).toBe('FINISHED/SUCCEEDED');
    expect(final.diagnostics).toContain('registering-am finished');

    await waitForLogAggregation(cluster, appId);
    const logs = await yarnLogs(appId);
    expect(logs).toMatch(/hello-from-am container_\d+_\d+_01_000001/);
    expect(logs).toContain('unregistered');
  });

  it('without user.name the caller is the static user dr.who', async () => {
    const appId = await newApplication(cluster, null);
    await submitApplication(
      cluster,
      appId,
      { ...baseContext('tspark-it-anonymous'), 'am-container-spec': shellCommand('true') },
      null,
    );
    const app = await appReport(cluster, appId);
    expect(app.user).toBe('dr.who');
    await waitForFinalState(cluster, appId);
  });

  it('queues: `batch` accepts apps; an unknown queue is accepted at submit, then FAILED', async () => {
    const inBatch = await newApplication(cluster);
    await submitApplication(cluster, inBatch, {
      ...baseContext('tspark-it-batch'),
      queue: 'batch',
      'am-container-spec': shellCommand('true'),
    });
    const unknown = await newApplication(cluster);
    await submitApplication(cluster, unknown, {
      ...baseContext('tspark-it-unknown-queue'),
      queue: 'no-such-queue',
      'am-container-spec': shellCommand('true'),
    });

    const rejected = await waitForFinalState(cluster, unknown);
    expect(rejected.state).toBe('FAILED');
    expect(rejected.diagnostics).toContain(
      `submitted by user ${cluster.user} to unknown queue: no-such-queue`,
    );
    const batch = await waitForFinalState(cluster, inBatch);
    expect(batch.queue).toBe('root.batch');
    expect(batch.diagnostics).toMatch(/exitCode: 0/);
  });

  it('yarn application -kill stops a running app; REST reports KILLED', async () => {
    const appId = await newApplication(cluster);
    await submitApplication(cluster, appId, {
      ...baseContext('tspark-it-kill'),
      'am-container-spec': shellCommand('sleep 300'),
    });
    // A shell AM never registers, so the app stays ACCEPTED while its AM
    // container runs: wait for that container instead of the RUNNING state.
    await pollUntil(
      `AM container of ${appId}`,
      async () => {
        const app = await appReport(cluster, appId);
        return { done: !!app.amContainerLogs, value: app, seen: app.state };
      },
      60_000,
    );
    const kill = await cluster.hadoopCli(['yarn', 'application', '-kill', appId]);
    expect(kill.code, kill.stderr).toBe(0);
    const final = await waitForFinalState(cluster, appId, 60_000);
    expect(`${final.state}/${final.finalStatus}`).toBe('KILLED/KILLED');

    const list = await cluster.hadoopCli(['yarn', 'application', '-list', '-appStates', 'KILLED']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(appId);
  });

  it('physical memory is enforced: a container growing past its size is killed (exit -104)', async () => {
    const containerMb = 256;
    // Touch 3x the container's memory in 1 MiB buffers, then idle: only the
    // NodeManager's memory monitor can end this.
    const grabMb = 3 * containerMb;
    const script = `node -e 'const a=[];for(let i=0;i<${grabMb};i++)a.push(Buffer.alloc(${MiB},1));setTimeout(()=>{},120000)'`;
    const appId = await newApplication(cluster);
    await submitApplication(cluster, appId, {
      ...baseContext('tspark-it-pmem', containerMb),
      'am-container-spec': shellCommand(script),
    });
    const final = await waitForFinalState(cluster, appId, 90_000);
    expect(final.state).toBe('FAILED');
    expect(final.diagnostics).toMatch(/exitCode: -104/);
    expect(final.diagnostics).toMatch(/is running \d+B beyond the 'PHYSICAL' memory limit/);
  });
});
