import { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponseHeaders, type RawAxiosResponseHeaders } from 'axios';
import { HadoopUnreachableError, type RequestContext } from './errors.js';

/**
 * The one place the Hadoop REST clients touch HTTP. It sends exactly one
 * request (never follows redirects: WebHDFS writes and RM failover need to see
 * the 307 themselves), never throws for an HTTP status (the caller maps
 * statuses), and turns socket-level failures into `HadoopUnreachableError`
 * with `maybeDelivered` telling whether the server may have acted on it.
 */

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface HttpCall {
  method: HttpMethod;
  /** Absolute URL, query included. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  /** Deliver the response body as a stream instead of bytes. */
  stream?: boolean;
  /** Wall-clock limit until the response headers arrive; 0 = none. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  /** Bytes, or a stream when `stream` was asked for. */
  body: Buffer | Readable;
}

/** Error codes meaning the connection was never made, so nothing reached the server. */
const NOT_DELIVERED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

/**
 * A fresh axios instance; callers may inject their own (every setting a call
 * depends on is passed per request in `sendHttp`, so any instance works).
 */
export function createHttpClient(): AxiosInstance {
  return axios.create();
}

function flattenHeaders(
  h: RawAxiosResponseHeaders | AxiosResponseHeaders,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

export async function sendHttp(
  http: AxiosInstance,
  call: HttpCall,
  req: RequestContext,
): Promise<HttpAnswer> {
  try {
    const res = await http.request({
      method: call.method,
      url: call.url,
      headers: call.headers,
      data: call.body ?? (call.method === 'GET' || call.method === 'DELETE' ? undefined : Buffer.alloc(0)),
      responseType: call.stream ? 'stream' : 'arraybuffer',
      // The body is bytes or a stream: no JSON guessing by axios.
      transformResponse: [(data: unknown) => data],
      transformRequest: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      // Hadoop endpoints are addressed directly; environment proxies would be a surprise.
      proxy: false,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      timeout: call.timeoutMs,
      signal: call.signal,
    });
    const body = call.stream ? (res.data as Readable) : Buffer.from(res.data as ArrayBuffer);
    return { status: res.status, headers: flattenHeaders(res.headers), body };
  } catch (error) {
    throw toUnreachable(error, req);
  }
}

/** Classifies an axios/socket failure. */
export function toUnreachable(error: unknown, req: RequestContext): HadoopUnreachableError {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const inner =
    typeof error === 'object' && error !== null
      ? (error as { cause?: { code?: unknown } }).cause?.code
      : undefined;
  const errno = typeof code === 'string' ? code : typeof inner === 'string' ? inner : 'network error';
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    errno === 'ETIMEDOUT' || errno === 'ECONNABORTED' ? `timed out: ${message}` : `${errno}: ${message}`;
  const delivered = !(
    NOT_DELIVERED_CODES.has(errno) ||
    (typeof inner === 'string' && NOT_DELIVERED_CODES.has(inner))
  );
  return new HadoopUnreachableError(req, reason, delivered, error);
}

/** Reads a (small) response stream whole, for error bodies; stops collecting after `limit` bytes. */
export async function readSmall(body: Buffer | Readable, limit = 64 * 1024): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    if (size < limit) chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

/** Discards the rest of a response stream so the socket can be reused. */
export function drain(body: Buffer | Readable): void {
  if (!Buffer.isBuffer(body)) body.resume();
}
