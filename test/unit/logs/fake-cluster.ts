// A fake cluster for unit tests of `tspark logs`: serves fixture files as the
// aggregated-log directory and answers the RM calls from the fixture's meta.json.
import { Writable } from 'node:stream';
import type { LogsDeps, LogsFileStatus, NodeManagerHttp } from '../../../src/logs/deps.js';
import { fixtureBytes, fixtureMeta } from './fixtures.js';

export interface ClusterMeta {
  timeZone: string;
  app: { id: string; user: string; state: string; logAggregationStatus: string };
  attempts: { id: number; containerId: string; nodeId: string; nodeHttpAddress: string }[];
  aggregatedDir: string;
  nodes: { name: string; file: string; length: number; modificationTime: number }[];
  outputs: { name: string; args: string[]; file: string; exitCode: number }[];
}

export class Collector extends Writable {
  readonly parts: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.parts.push(Buffer.from(chunk));
    cb();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
  get text(): string {
    return this.bytes.toString('utf8');
  }
}

export function notFound(path: string): Error {
  return Object.assign(new Error(`File ${path} does not exist`), { code: 'HADOOP_NOT_FOUND' });
}

export interface FakeOptions {
  /** Size of the pieces the fake file system hands out. */
  pieceBytes?: number;
  appKnown?: boolean;
  logAggregationStatus?: string[];
  conf?: Record<string, string>;
  nodeManagers?: NodeManagerHttp;
  reads?: { path: string; offset: number; length: number; served: number }[];
}

export function fakeDeps(
  dir: string,
  opts: FakeOptions = {},
): { deps: LogsDeps; meta: ClusterMeta; sleeps: number[] } {
  const meta = fixtureMeta<ClusterMeta>(dir);
  const files = new Map(
    meta.nodes.map((n) => [`${meta.aggregatedDir}/${n.name}`, fixtureBytes(dir, n.file)]),
  );
  const statuses = [...(opts.logAggregationStatus ?? [meta.app.logAggregationStatus])];
  const sleeps: number[] = [];
  let now = 0;
  const piece = opts.pieceBytes ?? 10_000;
  const deps: LogsDeps = {
    rm: {
      async getApplication(appId) {
        if (opts.appKnown === false || appId !== meta.app.id) return undefined;
        const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
        return {
          id: meta.app.id,
          user: meta.app.user,
          state: meta.app.state as never,
          logAggregationStatus: status as never,
        };
      },
      async getApplicationAttempts() {
        return meta.attempts;
      },
      async listNodes() {
        return [];
      },
    },
    fs: {
      async list(path): Promise<LogsFileStatus[]> {
        if (path === meta.aggregatedDir) {
          return meta.nodes.map((n) => ({
            name: n.name,
            type: 'FILE',
            length: n.length,
            modificationTime: n.modificationTime,
          }));
        }
        if (path === '/tmp/logs')
          return [{ name: meta.app.user, type: 'DIRECTORY', length: 0, modificationTime: 1 }];
        throw notFound(path);
      },
      async *read(path, offset, length) {
        const bytes = files.get(path);
        if (!bytes) throw notFound(path);
        const entry = { path, offset, length, served: 0 };
        opts.reads?.push(entry);
        for (let at = offset; at < Math.min(bytes.length, offset + length); at += piece) {
          const part = bytes.subarray(at, Math.min(at + piece, offset + length, bytes.length));
          entry.served += part.length;
          yield part;
        }
      },
    },
    nodeManagers: opts.nodeManagers ?? {
      async get() {
        throw new Error('no NodeManager in this test');
      },
    },
    hadoopConf: {
      get: (key: string) =>
        ({
          'yarn.log-aggregation-enable': 'true',
          'yarn.nodemanager.remote-app-log-dir': '/tmp/logs',
          ...opts.conf,
        })[key],
    },
    user: meta.app.user,
    clock: {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    },
    timeZoneOffset: () => 0,
  };
  return { deps, meta, sleeps };
}
