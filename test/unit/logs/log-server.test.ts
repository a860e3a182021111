// `tspark logs` on a cluster that aggregates in the indexed format (IFile),
// reading through the log server's REST API: the ApplicationHistoryServer's
// answers recorded on a real cluster (test/fixtures/logs/log-server, captured
// by scripts/hadoop/capture-log-fixtures.mjs) are replayed by a local HTTP
// server, and the output is compared with Hadoop's own `yarn logs` on the
// same application.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchContainerLogTail } from '../../../src/logs/container-log-tail.js';
import { runLogsCommand } from '../../../src/logs/logs-command.js';
import { LogServerClient } from '../../../src/logs/logserver/log-server-client.js';
import { createNodeManagerHttp } from '../../../src/logs/nodemanager/nm-http.js';
import { deadUrl, type FakeServer, type RecordedRequest } from '../../support/fake-http-server.js';
import { server } from '../../support/fake-servers.js';
import { Collector, fakeDeps, type ClusterMeta } from './fake-cluster.js';
import { expectedHexLines, FIXTURES, fixtureBytes, fixtureMeta } from './fixtures.js';

const DIR = 'log-server';
const INDEXED =
  'org.apache.hadoop.yarn.logaggregation.filecontroller.ifile.LogAggregationIndexedFileController';

interface LogServerMeta extends ClusterMeta {
  logServerWebServiceUrl: string;
  generator: { linesFirstAttempt: number; linesLaterAttempts: number };
  responses: {
    path: string;
    accept: string;
    status: number;
    contentType: string | null;
    file: string;
  }[];
}

const meta = fixtureMeta<LogServerMeta>(DIR);
const WS_PATH = new URL(meta.logServerWebServiceUrl).pathname;

/** Replays the recorded answers; anything else is a 404 the test would notice. */
function replayHandler(req: RecordedRequest): {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
} {
  const query = Object.entries(req.query)
    .filter(([k]) => k !== 'user.name')
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const key = `${req.path}${query ? `?${query}` : ''}`;
  const hit = meta.responses.find((r) => r.path === key);
  if (!hit) return { status: 404, headers: {}, body: Buffer.from(`no recorded response for ${key}`) };
  return {
    status: hit.status,
    headers: hit.contentType ? { 'content-type': hit.contentType } : {},
    body: readFileSync(path.join(FIXTURES, DIR, hit.file)),
  };
}

async function logServer(): Promise<FakeServer> {
  return server(replayHandler);
}

const IFILE_CONF = {
  'yarn.log-aggregation.file-formats': 'IFile',
  'yarn.log-aggregation.file-controller.IFile.class': INDEXED,
};

async function run(args: string[], conf: Record<string, string>) {
  const nodeManagers = createNodeManagerHttp({ user: meta.app.user });
  const { deps } = fakeDeps(DIR, { conf: { ...IFILE_CONF, ...conf }, nodeManagers });
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runLogsCommand(args, { stdout, stderr }, deps);
  return { code, stdout, stderr };
}

/** What the capture's generator wrote in a container, recomputed here. */
function expectedFiles(containerId: string): Record<string, string> {
  const attempt = Number(containerId.split('_').at(-2));
  const lines = attempt === 1 ? meta.generator.linesFirstAttempt : meta.generator.linesLaterAttempts;
  return {
    stdout: `container ${containerId}\n${expectedHexLines(lines)}`,
    stderr: `stderr of ${containerId}\n`,
    'app.log': `app log of ${containerId}`,
    'empty.log': '',
  };
}

describe('tspark logs vs yarn logs on an IFile application, through the log server', () => {
  it.each(meta.outputs.map((o) => [o.name, o] as const))(
    '%s: same bytes as yarn logs',
    async (_n, output) => {
      const ahs = await logServer();
      const { code, stdout, stderr } = await run(output.args, {
        'yarn.log.server.web-service.url': `${ahs.url}${WS_PATH}`,
      });
      expect(stderr.text).toBe('');
      expect(code).toBe(output.exitCode);
      const expected = fixtureBytes(DIR, output.file);
      expect(stdout.text).toBe(expected.toString('utf8'));
      expect(stdout.bytes.equals(expected)).toBe(true);
      // Every request named the user, and none was unanswered.
      expect(ahs.requests.every((r) => r.query['user.name'] === meta.app.user)).toBe(true);
      expect(ahs.requests.every((r) => meta.responses.some((x) => x.path.split('?')[0] === r.path))).toBe(
        true,
      );
    },
  );

  it('prints what each container wrote, recomputed independently', async () => {
    const ahs = await logServer();
    const { code, stdout } = await run(['-applicationId', meta.app.id], {
      'yarn.log.server.web-service.url': `${ahs.url}${WS_PATH}`,
    });
    expect(code).toBe(0);
    for (const a of meta.attempts) {
      for (const [name, content] of Object.entries(expectedFiles(a.containerId))) {
        expect(stdout.text).toContain(
          `Container: ${a.containerId} on ${a.nodeId.replace(':', '_')}\nLogAggregationType: AGGREGATED\n`,
        );
        expect(stdout.text).toContain(`LogType:${name}\nLogLastModifiedTime:`);
        expect(stdout.text).toContain(
          `LogLength:${Buffer.byteLength(content)}\nLogContents:\n${content}\nEnd of LogType:${name}\n`,
        );
      }
    }
  });
});

describe('LogServerClient against the recorded answers', () => {
  it('lists every container of every attempt with its node', async () => {
    const ahs = await logServer();
    const client = new LogServerClient(createNodeManagerHttp({ user: 'u' }), `${ahs.url}${WS_PATH}`);
    const listed = await client.listContainers(meta.app.id);
    expect(listed.found).toBe(true);
    if (!listed.found) return;
    expect([...listed.value].sort((a, b) => a.containerId.localeCompare(b.containerId))).toEqual(
      meta.attempts.map((a) => ({ containerId: a.containerId, nodeId: a.nodeId })),
    );
  });

  it("decodes a container's file list (names, sizes as the server formats them)", async () => {
    const ahs = await logServer();
    const client = new LogServerClient(createNodeManagerHttp(), `${ahs.url}${WS_PATH}/`);
    const c1 = meta.attempts[0]!;
    const logs = await client.containerLogs(c1.containerId);
    expect(logs.found).toBe(true);
    if (!logs.found) return;
    expect(logs.value.nodeId).toBe(c1.nodeId);
    const expected = expectedFiles(c1.containerId);
    expect(Object.fromEntries(logs.value.files.map((f) => [f.fileName, f.fileSize]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([n, c]) => [n, String(Buffer.byteLength(c))])),
    );
  });

  it('reports an application the server does not know, with its reason', async () => {
    const ahs = await logServer();
    const client = new LogServerClient(createNodeManagerHttp(), `${ahs.url}${WS_PATH}`);
    const unknown = meta.responses.find((r) => r.file === 'unknown-app.json')!;
    const appId = unknown.path.split('/').at(-1)!;
    // The recording has /apps/<unknown> (404); /appattempts of it is not recorded -> 404 too.
    const listed = await client.listContainers(appId);
    expect(listed.found).toBe(false);
    const c = meta.responses.find((r) => r.file === 'unknown-container-logs.json')!;
    const logs = await client.containerLogs(c.path.split('/').at(-2)!);
    expect(logs).toMatchObject({ found: false, status: 503 });
    if (!logs.found) expect(logs.reason).toMatch(/Can not find remote application directory/);
  });
});

describe('tspark logs with the indexed format: what goes wrong', () => {
  it('without a log server, says what is unsupported and what to configure (exit 3)', async () => {
    const { code, stderr, stdout } = await run([meta.app.id], {});
    expect(code).toBe(3);
    expect(stdout.text).toBe('');
    expect(stderr.text).toMatch(/yarn\.log-aggregation\.file-formats=IFile/);
    expect(stderr.text).toMatch(/yarn\.log\.server\.web-service\.url/);
    expect(stderr.text).toMatch(/ws\/v1\/applicationhistory/);
  });

  it('a log server that does not answer is named, with the setting (exit 6)', async () => {
    const url = `${await deadUrl()}${WS_PATH}`;
    const { code, stderr } = await run([meta.app.id], { 'yarn.log.server.web-service.url': url });
    expect(code).toBe(6);
    expect(stderr.text).toContain(url);
    expect(stderr.text).toContain('yarn.log.server.web-service.url');
  });

  it('falls back to the AM containers when the server does not list the containers', async () => {
    const ahs = await server((req) =>
      req.path.endsWith('/appattempts')
        ? { status: 404, body: '{"exception":"NotFoundException","message":"not in the timeline store"}' }
        : replayHandler(req),
    );
    const { code, stdout, stderr } = await run([meta.app.id], {
      'yarn.log.server.web-service.url': `${ahs.url}${WS_PATH}`,
    });
    expect(code).toBe(0);
    expect(stderr.text).toMatch(
      /does not list the containers .*not in the timeline store.*AM containers only/,
    );
    // Here every container is an AM container: the same output as yarn logs.
    const all = meta.outputs.find((o) => o.name === 'all')!;
    expect(stdout.bytes.equals(fixtureBytes(DIR, all.file))).toBe(true);
  });

  it('-containerId of a container the server has no logs of is a not-found error', async () => {
    const recorded = meta.responses.find((r) => r.file === 'unknown-container-logs.json')!;
    const containerId = meta.attempts[0]!.containerId.replace(/_\d+$/, '_000099');
    // The server's answer for a container it cannot find (recorded for another id).
    const ahs = await server((req) =>
      req.path.includes(containerId)
        ? {
            status: recorded.status,
            body: readFileSync(path.join(FIXTURES, DIR, recorded.file)),
          }
        : replayHandler(req),
    );
    const { code, stderr } = await run(['-applicationId', meta.app.id, '-containerId', containerId], {
      'yarn.log.server.web-service.url': `${ahs.url}${WS_PATH}`,
    });
    expect(code).toBe(8);
    expect(stderr.text).toContain(
      `The log server has no aggregated logs of ${containerId}: java.io.IOException`,
    );
    expect(stderr.text).toContain(`no logs of container ${containerId}`);
  });

  it('prints the containers the server has logs of and names the others on stderr', async () => {
    const recorded = meta.responses.find((r) => r.file === 'unknown-container-logs.json')!;
    const [c1, c2] = meta.attempts;
    const ahs = await server((req) =>
      req.path.endsWith(`/containers/${c2!.containerId}/logs`)
        ? { status: recorded.status, body: readFileSync(path.join(FIXTURES, DIR, recorded.file)) }
        : replayHandler(req),
    );
    const { code, stdout, stderr } = await run([meta.app.id], {
      'yarn.log.server.web-service.url': `${ahs.url}${WS_PATH}`,
    });
    expect(code).toBe(0);
    const c1Only = meta.outputs.find((o) => o.name === 'containerId-c1')!;
    expect(stdout.bytes.equals(fixtureBytes(DIR, c1Only.file))).toBe(true);
    expect(stderr.text).toContain(`no aggregated logs of 1 of the 2 containers (${c2!.containerId})`);
    expect(stderr.text).not.toContain(c1!.containerId);
  });

  it('explains a log server that fails for every application but the first it read (MAPREDUCE-7539)', async () => {
    // What the same server answered for the next IFile application, recorded.
    const stale = meta.responses.find((r) => r.file === 'second-app-c1-logs.json')!;
    expect(stale.status).toBe(503);
    const ahs = await server((req) =>
      req.path.endsWith('/logs')
        ? { status: stale.status, body: readFileSync(path.join(FIXTURES, DIR, stale.file)) }
        : replayHandler(req),
    );
    const { code, stderr, stdout } = await run([meta.app.id], {
      'yarn.log.server.web-service.url': `${ahs.url}${WS_PATH}`,
    });
    expect(code).toBe(6);
    expect(stdout.text).toBe('');
    expect(stderr.text).toContain(`cannot read the indexed logs of ${meta.app.id} although they are on HDFS`);
    expect(stderr.text).toContain(meta.aggregatedDir);
    expect(stderr.text).toContain('MAPREDUCE-7539');
    expect(stderr.text).toMatch(/restart the log server/);
  });
});

describe('fetchContainerLogTail with the indexed format', () => {
  it("returns the last bytes of a finished container's file, raw, through the log server", async () => {
    const ahs = await logServer();
    const { deps } = fakeDeps(DIR, {
      conf: { ...IFILE_CONF, 'yarn.log.server.web-service.url': `${ahs.url}${WS_PATH}` },
      nodeManagers: createNodeManagerHttp({ user: meta.app.user }),
    });
    for (const a of meta.attempts) {
      const tail = await fetchContainerLogTail(deps, {
        appId: meta.app.id,
        containerId: a.containerId,
        owner: meta.app.user,
        fileName: 'stdout',
        bytes: 20,
      });
      const whole = Buffer.from(expectedFiles(a.containerId).stdout!);
      expect(tail?.toString('utf8')).toBe(whole.subarray(whole.length - 20).toString('utf8'));
    }
  });
});
