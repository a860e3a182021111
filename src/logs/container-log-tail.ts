/**
 * The last bytes of one container log file, raw (no yarn logs framing), for
 * callers that show an excerpt: the YARN client prints the tail of the AM's
 * stderr when an application ends FAILED, followed by the `tspark logs`
 * command for the rest. Reads the NodeManager while it still has the file,
 * else the aggregated logs (the indexed format through the log server).
 * Never waits for aggregation.
 */
import type { LogsDeps } from './deps.js';
import { AggregatedLogReader } from './aggregated/aggregated-log-reader.js';
import { aggregationSettings, locateAggregatedLogs } from './aggregated/locate.js';
import { RemoteFileSource } from './aggregated/remote-file-source.js';
import { nodeString } from './output/sink.js';
import { framedContentLength, parseLogFraming } from './nodemanager/nm-codec.js';
import { logFilePath } from './running/running-logs.js';
import { LogServerClient } from './logserver/log-server-client.js';

export interface ContainerLogTailRequest {
  appId: string;
  containerId: string;
  /** Owner of the application (the app report's `user`). */
  owner: string;
  /** e.g. `stderr`. */
  fileName: string;
  /** How many bytes from the end. */
  bytes: number;
  /** NM web address (`host:port`) and NodeId of the container, when known (app report: amHostHttpAddress / masterNodeId). */
  nodeHttpAddress?: string;
  nodeId?: string;
}

/** The tail, or undefined when neither the NodeManager nor the aggregated logs have the file. */
export async function fetchContainerLogTail(
  deps: Pick<LogsDeps, 'nodeManagers' | 'fs' | 'hadoopConf' | 'user'>,
  req: ContainerLogTailRequest,
): Promise<Buffer | undefined> {
  if (req.nodeHttpAddress) {
    try {
      const res = await deps.nodeManagers.get(
        req.nodeHttpAddress,
        logFilePath(req.containerId, req.fileName, -req.bytes),
        'text/plain',
      );
      const parts: Buffer[] = [];
      for await (const p of res.body) parts.push(p);
      if (res.status === 200) {
        const body = Buffer.concat(parts);
        const framing = parseLogFraming(body);
        if (framing)
          return body.subarray(
            framing.contentStart,
            framing.contentStart + framedContentLength(framing.fileLength, -req.bytes),
          );
      }
    } catch {
      // The NodeManager is gone or restarted: fall through to the aggregated logs.
    }
  }
  const settings = aggregationSettings(deps.hadoopConf);
  const located = await locateAggregatedLogs(deps.fs, settings, req.appId, req.owner, deps.user);
  if (!located) return undefined;
  if (located.format.kind === 'indexed') {
    // locate() lets the indexed format through only with a log server.
    const client = new LogServerClient(deps.nodeManagers, settings.logServerWebServiceUrl!);
    const res = await client.logFile(req.containerId, req.fileName, -req.bytes);
    const parts: Buffer[] = [];
    for await (const p of res.body) parts.push(p);
    const body = Buffer.concat(parts);
    const framing = parseLogFraming(body);
    if (!framing) return undefined;
    return body.subarray(
      framing.contentStart,
      framing.contentStart + framedContentLength(framing.fileLength, -req.bytes),
    );
  }
  const files = req.nodeId
    ? located.files.filter((f) => f.name.includes(nodeString(req.nodeId!)))
    : located.files;
  for (const node of files) {
    const reader = await AggregatedLogReader.open(
      new RemoteFileSource(deps.fs, node.path, node.length),
      node.path,
    );
    try {
      for await (const c of reader.containers()) {
        if (c.containerId !== req.containerId) continue;
        for await (const f of c.files()) {
          if (f.fileName !== req.fileName) continue;
          await f.skip(Math.max(0, f.length - req.bytes));
          const parts: Buffer[] = [];
          for (let p = await f.read(64 * 1024); p; p = await f.read(64 * 1024)) parts.push(Buffer.from(p));
          return Buffer.concat(parts);
        }
      }
    } finally {
      await reader.close();
    }
  }
  return undefined;
}
