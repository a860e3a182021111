/**
 * Plain HTTP GETs to NodeManager web servers (`host:port` as the RM reports
 * them). Transport only: no decoding, no policy. A connection failure or a
 * timeout rejects; any HTTP status resolves.
 */
import http from 'node:http';
import type { NodeManagerHttp, NodeManagerResponse } from '../deps.js';

export interface NodeManagerHttpOptions {
  /** Sent as `user.name` (non-secure clusters). */
  user?: string;
  /** No bytes for this long fails the request (default 30 s). */
  idleTimeoutMs?: number;
  agent?: http.Agent;
}

export function createNodeManagerHttp(options: NodeManagerHttpOptions = {}): NodeManagerHttp {
  const idle = options.idleTimeoutMs ?? 30_000;
  return {
    get(nodeHttpAddress, pathAndQuery, accept): Promise<NodeManagerResponse> {
      const base = /^https?:\/\//.test(nodeHttpAddress) ? nodeHttpAddress : `http://${nodeHttpAddress}`;
      const url = new URL(pathAndQuery, base);
      if (options.user && !url.searchParams.has('user.name')) url.searchParams.set('user.name', options.user);
      return new Promise((resolve, reject) => {
        const req = http.get(
          url,
          { headers: { Accept: accept }, agent: options.agent, timeout: idle },
          (res) => {
            res.setTimeout(idle, () => res.destroy(new Error(`no data from ${url.host} for ${idle} ms`)));
            resolve({ status: res.statusCode ?? 0, body: res });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${url.host} did not answer within ${idle} ms`)));
        req.on('error', reject);
      });
    },
  };
}

/** Reads a whole (small) response body as text. */
export async function readText(body: AsyncIterable<Buffer>, limit = 16 * 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const p of body) {
    total += p.length;
    if (total > limit) throw new Error(`response larger than ${limit} bytes`);
    parts.push(p);
  }
  return Buffer.concat(parts).toString('utf8');
}
