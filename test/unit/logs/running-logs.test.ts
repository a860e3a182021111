import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogsDeps, NodeManagerHttp } from '../../../src/logs/deps.js';
import { runLogsCommand } from '../../../src/logs/logs-command.js';
import {
  decodeContainerLogsList,
  decodeNmAppContainers,
  decodeNmContainerState,
  parseLogFraming,
} from '../../../src/logs/nodemanager/nm-codec.js';
import { fetchLogRange } from '../../../src/logs/running/follow.js';
import { FIXTURES, fixtureMeta } from './fixtures.js';
import { Collector } from './fake-cluster.js';

interface RunningMeta {
  app: { id: string; user: string; state: string };
  attempts: { id: number; containerId: string; nodeId: string; nodeHttpAddress: string }[];
  responses: { file: string; path: string; accept: string; status: number }[];
  outputs: { name: string; args: string[]; file: string; exitCode: number }[];
}

const DIR = path.join(FIXTURES, 'nm-running');
const meta = fixtureMeta<RunningMeta>('nm-running');
const recorded = (file: string): Buffer => readFileSync(path.join(DIR, file));
const attempt = meta.attempts[0]!;

async function* bodyOf(bytes: Buffer, piece = 100): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, at + piece);
}

/** A NodeManager that answers with the recorded responses, 404 for anything else. */
function recordedNodeManager(calls: string[] = []): NodeManagerHttp {
  return {
    async get(address, pathAndQuery) {
      calls.push(`${address}${pathAndQuery}`);
      const r = meta.responses.find((x) => x.path === pathAndQuery);
      if (!r || address !== attempt.nodeHttpAddress)
        return { status: 404, body: bodyOf(Buffer.from('{"RemoteException":{}}')) };
      return { status: r.status, body: bodyOf(recorded(r.file)) };
    },
  };
}

function runningDeps(
  nodeManagers: NodeManagerHttp,
  extraNodes: { id: string; nodeHttpAddress: string }[] = [],
): LogsDeps {
  return {
    rm: {
      getApplication: async () => ({
        id: meta.app.id,
        user: meta.app.user,
        state: 'RUNNING',
        logAggregationStatus: 'NOT_START',
      }),
      getApplicationAttempts: async () => meta.attempts,
      listNodes: async () => [
        { id: attempt.nodeId, nodeHttpAddress: attempt.nodeHttpAddress, state: 'RUNNING' },
        ...extraNodes.map((n) => ({ ...n, state: 'RUNNING' })),
      ],
    },
    fs: {
      list: async (p) => {
        throw Object.assign(new Error(p), { code: 'HADOOP_NOT_FOUND' });
      },
      read: () => {
        throw new Error('no file system in this test');
      },
    },
    nodeManagers,
    hadoopConf: { get: (k: string) => (k === 'yarn.log-aggregation-enable' ? 'true' : undefined) },
    user: meta.app.user,
    clock: { now: () => 0, sleep: async () => undefined },
  };
}

describe('NodeManager answers (recorded from the test cluster)', () => {
  it('decodes the log file list, the app container list and the container state', () => {
    const list = decodeContainerLogsList(JSON.parse(recorded('container-logs.json').toString()));
    expect(list.map((f) => f.fileName)).toEqual(
      expect.arrayContaining(['stdout', 'stderr', 'app.log', 'launch_container.sh']),
    );
    expect(list.every((f) => f.logAggregationType === 'LOCAL')).toBe(true);
    expect(list.find((f) => f.fileName === 'app.log')!.fileSize).toBe('13');
    expect(decodeNmAppContainers(JSON.parse(recorded('app.json').toString()))).toEqual([attempt.containerId]);
    expect(decodeNmContainerState(JSON.parse(recorded('container.json').toString()))).toBe('RUNNING');
  });

  it('finds the raw bytes inside the framing', () => {
    const body = recorded('stdout.txt');
    const framing = parseLogFraming(body)!;
    expect(framing.fileName).toBe('stdout');
    const expected = `running stdout of ${attempt.containerId}\nsecond line\n`;
    expect(framing.fileLength).toBe(Buffer.byteLength(expected));
    expect(body.subarray(framing.contentStart, framing.contentStart + framing.fileLength).toString()).toBe(
      expected,
    );
  });

  it('fetches a byte range with the framing stripped', async () => {
    const deps = runningDeps(recordedNodeManager());
    const full = `running stdout of ${attempt.containerId}\nsecond line\n`;
    const c = {
      containerId: attempt.containerId,
      nodeId: attempt.nodeId,
      nodeHttpAddress: attempt.nodeHttpAddress,
    };
    const tail = await fetchLogRange(
      deps,
      c,
      'stdout',
      Buffer.byteLength(full) - 12,
      Buffer.byteLength(full),
    );
    expect(tail!.toString()).toBe('second line\n');
  });
});

describe('tspark logs on a running application vs yarn logs', () => {
  it.each(meta.outputs.map((o) => [o.name, o] as const))('%s: same bytes', async (_name, output) => {
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await runLogsCommand(output.args, { stdout, stderr }, runningDeps(recordedNodeManager()));
    expect(stderr.text).toBe('');
    expect(code).toBe(0);
    expect(stdout.bytes.equals(recorded(output.file))).toBe(true);
  });

  it('says which NodeManager is unreachable, prints the others, and exits non-zero', async () => {
    const good = recordedNodeManager();
    const nm: NodeManagerHttp = {
      async get(address, p, accept) {
        if (address === 'deadhost:8042')
          throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:8042'), { code: 'ECONNREFUSED' });
        return good.get(address, p, accept);
      },
    };
    const stdout = new Collector();
    const stderr = new Collector();
    const expected = recorded(meta.outputs.find((o) => o.name === 'stdout-stderr-applog')!.file);
    const code = await runLogsCommand(
      [meta.app.id, '-log_files', 'stdout,stderr,app.log'],
      { stdout, stderr },
      runningDeps(nm, [{ id: 'deadhost:45454', nodeHttpAddress: 'deadhost:8042' }]),
    );
    expect(code).toBe(6);
    expect(stdout.bytes.equals(expected)).toBe(true);
    expect(stderr.text).toMatch(/^Warning: NodeManager deadhost:8042 did not answer .*ECONNREFUSED/);
  });

  it('refuses -list_nodes while the application runs', async () => {
    const stderr = new Collector();
    const code = await runLogsCommand(
      [meta.app.id, '-list_nodes'],
      { stdout: new Collector(), stderr },
      runningDeps(recordedNodeManager()),
    );
    expect(code).toBe(2);
    expect(stderr.text).toContain('-list_nodes works only for finished applications');
  });
});
