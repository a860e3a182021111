// Plain HTTP for the cluster tests: node:http so that bodies can be streamed
// both ways and redirects are seen (and followed by the test, by hand).
import http from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request; `body` may be a Buffer, a string or a stream. Never follows redirects. */
export function request(
  method: string,
  url: string,
  body?: Buffer | string | Readable,
  headers: Record<string, string> = {},
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, resolve);
    req.once('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      body.once('error', (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}

export async function readAll(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function call(
  method: string,
  url: string,
  body?: Buffer | string | Readable,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  const res = await request(method, url, body, headers);
  return { status: res.statusCode ?? 0, headers: res.headers, body: await readAll(res) };
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await call('GET', url, undefined, { Accept: 'application/json' });
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${res.body.toString('utf8')}`);
  return JSON.parse(res.body.toString('utf8')) as T;
}

export async function sendJson<T = any>(
  method: string,
  url: string,
  payload?: unknown,
): Promise<{ status: number; json: T | undefined; headers: http.IncomingHttpHeaders }> {
  const body = payload === undefined ? undefined : JSON.stringify(payload);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await call(method, url, body, headers);
  const text = res.body.toString('utf8');
  return { status: res.status, json: text ? (JSON.parse(text) as T) : undefined, headers: res.headers };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, or throws after `timeoutMs` with the last observation. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<{ done: boolean; value: T; seen?: string }>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await probe();
    if (r.done) return r.value;
    last = r.seen ?? JSON.stringify(r.value);
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${last}`);
    await sleep(intervalMs);
  }
}

/** WebHDFS CREATE (two steps, redirect followed by hand) and GETFILESTATUS, as `user`. */
export async function webhdfsUpload(
  webhdfsUrl: string,
  user: string,
  hdfsPath: string,
  data: Buffer,
): Promise<{ length: number; modificationTime: number }> {
  const q = (op: string, extra: Record<string, string> = {}) =>
    `${webhdfsUrl}${hdfsPath}?${new URLSearchParams({ op, 'user.name': user, ...extra })}`;
  const step1 = await call('PUT', q('CREATE', { overwrite: 'true' }));
  if (step1.status !== 307)
    throw new Error(`CREATE ${hdfsPath}: HTTP ${step1.status} ${step1.body.toString('utf8')}`);
  const step2 = await call('PUT', step1.headers.location ?? '', data, {
    'Content-Type': 'application/octet-stream',
  });
  if (step2.status !== 201) throw new Error(`CREATE ${hdfsPath} on the DataNode: HTTP ${step2.status}`);
  return (await getJson(q('GETFILESTATUS'))).FileStatus;
}
