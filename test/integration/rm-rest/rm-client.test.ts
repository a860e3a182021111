// tspark's ResourceManager REST client against the real test cluster:
// cluster resources, new-application, a minimal submission that runs a shell
// command in the AM container and reaches a final state, a kill, the RM's
// real errors, and RM HA selection (an unreachable RM, and a fake standby
// that redirects to the real RM).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HadoopRemoteError, RemoteNotFoundError } from '../../../src/hadoop/rest/errors.js';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { ResourceManagerClient } from '../../../src/yarn/rest/client.js';
import { leafQueues } from '../../../src/yarn/rest/scheduler.js';
import type { AppInfo, ApplicationSubmissionContext } from '../../../src/yarn/rest/types.js';
import { hadoopCluster } from '../../support/hadoop.js';
import { FakeServer, deadUrl } from '../../support/fake-http-server.js';

const cluster = hadoopCluster();
const rm = new ResourceManagerClient({ resourceManagers: [cluster.rmUrl], user: cluster.user });
const TYPE = 'TSPARK-IT';
const started: string[] = [];

/** A property of the cluster's yarn-site.xml, read with a plain regex (not through our code). */
function yarnSite(key: string): string | undefined {
  const xml = readFileSync(path.join(cluster.confDir, 'yarn-site.xml'), 'utf8');
  const m = new RegExp(`<name>${key.replace(/\./g, '\\.')}</name>\\s*<value>([^<]*)</value>`).exec(xml);
  return m?.[1];
}

function submission(appId: string, name: string, command: string): ApplicationSubmissionContext {
  return {
    'application-id': appId,
    'application-name': name,
    queue: 'default',
    'am-container-spec': {
      environment: { entry: [{ key: 'GREETING', value: 'hi' }] },
      commands: { command },
    },
    'unmanaged-AM': false,
    'max-app-attempts': 1,
    resource: { memory: 256, vCores: 1 },
    'application-type': TYPE,
    'keep-containers-across-application-attempts': false,
    'application-tags': { tag: ['tspark-it'] },
  };
}

async function waitFor(appId: string, done: (r: AppInfo) => boolean, timeoutMs = 120_000): Promise<AppInfo> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const report = await rm.getApplication(appId);
    if (done(report)) return report;
    if (Date.now() > end) throw new Error(`${appId} still ${report.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const TERMINAL = ['FINISHED', 'FAILED', 'KILLED'];

describe('ResourceManager REST client on the test cluster', () => {
  afterAll(async () => {
    // Leave nothing running for the other tests.
    for (const id of started) {
      const state = await rm.getApplicationState(id).catch(() => 'KILLED');
      if (!TERMINAL.includes(state)) await rm.killApplication(id, 'test cleanup');
    }
  });

  it('cluster info, metrics, nodes and queues describe this cluster', async () => {
    const info = await rm.clusterInfo();
    expect(info).toMatchObject({ state: 'STARTED', haState: 'ACTIVE', hadoopVersion: cluster.version });
    const metrics = await rm.clusterMetrics();
    expect(metrics.activeNodes).toBe(cluster.nodeManagers.length);
    const nodes = await rm.nodes(['RUNNING']);
    expect(nodes.map((n) => n.id).sort()).toEqual(cluster.nodeManagers.map((n) => n.nodeId).sort());
    expect(nodes.map((n) => n.nodeHTTPAddress).sort()).toEqual(
      cluster.nodeManagers.map((n) => n.httpAddress).sort(),
    );
    expect(await rm.nodes(['LOST'])).toEqual([]);
    const queues = leafQueues(await rm.scheduler());
    expect(queues?.map((q) => q.name)).toContain('default');
  });

  it('new-application reports the scheduler maximum from yarn-site.xml', async () => {
    const app = await rm.newApplication();
    expect(app['application-id']).toMatch(/^application_\d+_\d{4,}$/);
    expect(app['maximum-resource-capability'].memory).toBe(
      Number(yarnSite('yarn.scheduler.maximum-allocation-mb')),
    );
    expect(app['maximum-resource-capability'].vCores).toBe(
      Number(yarnSite('yarn.scheduler.maximum-allocation-vcores')),
    );
  });

  it('a minimal submission runs its command in the AM container and reaches a final state', async () => {
    const { 'application-id': appId } = await rm.newApplication();
    started.push(appId);
    await rm.submitApplication(
      submission(
        appId,
        'it-echo',
        'echo $GREETING from tspark 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr; sleep 1',
      ),
    );
    const report = await waitFor(appId, (r) => TERMINAL.includes(r.state));
    expect(report).toMatchObject({
      id: appId,
      user: cluster.user,
      name: 'it-echo',
      applicationType: TYPE,
      applicationTags: 'tspark-it',
    });
    // A container that exits without registering as an ApplicationMaster fails its attempt:
    // the client must be able to report exactly that.
    expect(report.state).toBe('FAILED');
    expect(report.finalStatus).toBe('FAILED');
    expect(report.diagnostics).toMatch(/exitCode: 0/);
    const attempts = await rm.getApplicationAttempts(appId);
    expect(attempts).toHaveLength(1);
    const containerId = attempts[0]!.containerId;
    expect(containerId).toMatch(/^container_/);
    // The command really ran: its stdout is in the AM container's log dir on one of the NMs
    // (kept on local disk for yarn.nodemanager.delete.debug-delay-sec after the app ends).
    const stdoutFiles = cluster.nodeManagers
      .map((nm) => path.join(nm.logDir, appId, containerId, 'stdout'))
      .filter((f) => existsSync(f));
    expect(stdoutFiles).toHaveLength(1);
    expect(readFileSync(stdoutFiles[0]!, 'utf8')).toBe('hi from tspark\n');
    expect(await rm.getApplicationState(appId)).toBe('FAILED');
    const listed = await rm.listApplications({ applicationTypes: [TYPE], states: ['FAILED'] });
    expect(listed.map((a) => a.id)).toContain(appId);
  });

  it('kill moves a sleeping application to KILLED with our diagnostics', async () => {
    const { 'application-id': appId } = await rm.newApplication();
    started.push(appId);
    await rm.submitApplication(submission(appId, 'it-sleep', 'sleep 300'));
    // A shell command never registers as an AM, so the app stays ACCEPTED while its AM
    // container sleeps: wait until that container was launched.
    const before = await waitFor(
      appId,
      (r) => (r.launchTime ?? 0) > 0 && r.amHostHttpAddress !== undefined,
      90_000,
    );
    expect(before.state).toBe('ACCEPTED');
    expect(await rm.killApplication(appId, 'killed by the rm-rest integration test')).toBe('KILLED');
    const report = await rm.getApplication(appId);
    expect(report).toMatchObject({ state: 'KILLED', finalStatus: 'KILLED' });
    expect(report.diagnostics).toContain('killed by the rm-rest integration test');
    // Killing again is harmless and answers the final state.
    expect(await rm.killApplication(appId)).toBe('KILLED');
  });

  it('the RM errors: unknown id, malformed id, memory above the maximum', async () => {
    const unknown = 'application_1000000000000_0001';
    const nf = (await rm.getApplication(unknown).catch((e: unknown) => e)) as RemoteNotFoundError;
    expect(nf).toBeInstanceOf(RemoteNotFoundError);
    expect(nf.message).toContain(`app with id: ${unknown} not found`);
    await expect(rm.killApplication(unknown)).rejects.toBeInstanceOf(RemoteNotFoundError);
    const bad = (await rm.getApplication('not_an_app').catch((e: unknown) => e)) as HadoopRemoteError;
    expect(bad).toMatchObject({ kind: 'bad-request', httpStatus: 400 });
    expect(bad.message).toContain('Invalid ApplicationId prefix: not_an_app');

    const { 'application-id': appId } = await rm.newApplication();
    const tooBig = {
      ...submission(appId, 'it-too-big', 'true'),
      resource: { memory: Number(yarnSite('yarn.scheduler.maximum-allocation-mb')) + 1, vCores: 1 },
    };
    const err = (await rm.submitApplication(tooBig).catch((e: unknown) => e)) as HadoopRemoteError;
    expect(err).toMatchObject({ kind: 'bad-request', httpStatus: 400 });
    expect(err.message).toContain('Requested more memory than configured max');
  });

  it('RM HA: skips an unreachable RM, and follows a standby redirect to the real RM', async () => {
    const viaDead = new ResourceManagerClient({
      resourceManagers: [await deadUrl(), cluster.rmUrl],
      user: cluster.user,
    });
    expect((await viaDead.clusterMetrics()).activeNodes).toBe(cluster.nodeManagers.length);
    expect(viaDead.activeResourceManager).toBe(cluster.rmUrl);

    // A stand-in standby that answers as RMWebAppFilter does: 307 to the active RM.
    const standby = await FakeServer.start((req) => {
      const query = new URLSearchParams(req.query).toString();
      const uri = `${req.path}${query ? `?${query}` : ''}`;
      return {
        status: 307,
        headers: { location: `${cluster.rmUrl}${uri}` },
        body: `This is standby RM. The redirect url is: ${uri}\n`,
      };
    });
    try {
      const ha = new ResourceManagerClient({
        resourceManagers: [standby.url, cluster.rmUrl],
        user: cluster.user,
      });
      const app = await ha.newApplication();
      expect(app['application-id']).toMatch(/^application_/);
      expect(ha.activeResourceManager).toBe(cluster.rmUrl);
      expect(standby.requests).toHaveLength(1);
    } finally {
      await standby.close();
    }
  });

  it('pointed at the wrong service or a dead port: errors that say which address to check', async () => {
    const once = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1 };
    const wrong = new ResourceManagerClient({ resourceManagers: [cluster.nameNodeUrl], retry: once });
    await expect(wrong.clusterMetrics()).rejects.toMatchObject({
      code: 'HADOOP_HTTP_ERROR',
      httpStatus: 404,
    });
    const dead = await deadUrl();
    const none = new ResourceManagerClient({ resourceManagers: [dead], retry: once });
    const err = (await none.newApplication().catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('HADOOP_UNREACHABLE');
    expect(err.message).toContain(`Cannot reach the ResourceManager at ${dead}`);
    expect(err.message).toContain('yarn.resourcemanager.webapp.address');
  });

  it('a file staged over WebHDFS is localized into the AM container when size and timestamp are exact; a wrong timestamp fails the localization', async () => {
    const hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
    const dir = `/tmp/tspark-it-rm-${process.pid}-${Date.now()}`;
    const text = 'staged over webhdfs\n';
    await hdfs.mkdirs(dir, 0o700);
    await hdfs.create(`${dir}/hello.txt`, text, { permission: 0o644 });
    const st = await hdfs.getFileStatus(`${dir}/hello.txt`);
    const resource = (timestamp: number) => ({
      'local-resources': {
        entry: [
          {
            key: 'staged.txt',
            value: {
              resource: `${cluster.defaultFS}${dir}/hello.txt`,
              type: 'FILE' as const,
              visibility: 'APPLICATION' as const,
              size: st.length,
              timestamp,
            },
          },
        ],
      },
      commands: { command: 'cat staged.txt 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr' },
    });
    try {
      const { 'application-id': good } = await rm.newApplication();
      started.push(good);
      await rm.submitApplication({
        ...submission(good, 'it-localize', 'unused'),
        'am-container-spec': resource(st.modificationTime),
      });
      await waitFor(good, (r) => TERMINAL.includes(r.state));
      const [attempt] = await rm.getApplicationAttempts(good);
      const out = cluster.nodeManagers
        .map((nm) => path.join(nm.logDir, good, attempt!.containerId, 'stdout'))
        .filter((f) => existsSync(f));
      expect(out).toHaveLength(1);
      expect(readFileSync(out[0]!, 'utf8')).toBe(text);

      const { 'application-id': bad } = await rm.newApplication();
      started.push(bad);
      await rm.submitApplication({
        ...submission(bad, 'it-localize-stale', 'unused'),
        'am-container-spec': resource(st.modificationTime - 1),
      });
      const report = await waitFor(bad, (r) => TERMINAL.includes(r.state));
      expect(report.state).toBe('FAILED');
      expect(report.diagnostics).toContain('changed on src filesystem');
    } finally {
      await hdfs.delete(dir, true);
    }
  });
});
