import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A scripted HTTP server on 127.0.0.1 for the REST client unit tests: it
 * records every request and answers with what the test's handler returns
 * (usually a recorded response from test/fixtures/).
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the headers and this much of the body, then stall (read-timeout tests). */
  stallAfter?: Buffer;
  /** Drop the connection without answering. */
  destroy?: boolean;
}

export type Handler = (req: RecordedRequest, server: FakeServer) => Reply | Promise<Reply>;

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(handler: Handler): Promise<FakeServer> {
    const holder: { self?: FakeServer } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: decodeURIComponent(u.pathname),
          query: Object.fromEntries(u.searchParams.entries()),
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        holder.self!.requests.push(recorded);
        void Promise.resolve(handler(recorded, holder.self!)).then((reply) => {
          if (reply.destroy) {
            req.socket.destroy();
            return;
          }
          res.writeHead(reply.status, reply.headers ?? {});
          if (reply.stallAfter) {
            res.write(reply.stallAfter);
            return;
          }
          res.end(reply.body ?? '');
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.self = new FakeServer(server, `http://127.0.0.1:${port}`);
    return holder.self;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A base URL on which nothing listens (a port just released). */
export async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

// ---- recorded exchanges ---------------------------------------------------------

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export interface Fixture {
  request: {
    method: string;
    path: string;
    query: Record<string, string>;
    body?: string;
    contentType?: string;
  };
  response: { status: number; headers: Record<string, string>; body?: string; bodyBase64?: string };
}

export function loadFixture(area: 'webhdfs' | 'rm-rest', name: string): Fixture {
  return JSON.parse(readFileSync(path.join(FIXTURES, area, `${name}.json`), 'utf8')) as Fixture;
}

/** The recorded response body as bytes. */
export function fixtureBody(f: Fixture): Buffer {
  return f.response.bodyBase64 !== undefined
    ? Buffer.from(f.response.bodyBase64, 'base64')
    : Buffer.from(f.response.body ?? '', 'utf8');
}

/** The recorded response body parsed as JSON. */
export function fixtureJson(f: Fixture): any {
  return JSON.parse(fixtureBody(f).toString('utf8'));
}

/**
 * Replays a recorded response. A `location` header pointing at the real
 * cluster is re-pointed at `locationOrigin` (path and query kept), so the
 * client follows it to another fake server.
 */
export function replay(f: Fixture, locationOrigin?: string): Reply {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.response.headers)) {
    if (k === 'content-length') continue;
    headers[k] = v;
  }
  if (headers.location && locationOrigin && /^https?:/.test(headers.location)) {
    const u = new URL(headers.location);
    headers.location = `${locationOrigin}${u.pathname}${u.search}`;
  }
  return { status: f.response.status, headers, body: fixtureBody(f) };
}
