import type { MessagePort } from 'node:worker_threads';
import type { CachedBlock, CacheStore, StorageLevelName } from './block-store.js';

/**
 * The cache of a cluster executor lives once per process, in its main
 * thread; each task thread reaches it over its own MessagePort (handed over
 * in workerData). This file is both ends of that port: the requests and
 * replies, the task thread's client, and the dispatcher that serves a port
 * from whatever store the main thread holds.
 *
 *   get       { blockId }                 -> { bytes?, remote? }   bytes = framed batches
 *   put       { blockId, bytes, level }   -> { stored }
 *   removeRdd { rddId }                   (one-way)
 */

export type CacheRequest =
  | { op: 'get'; id: number; blockId: string }
  | { op: 'put'; id: number; blockId: string; bytes: Uint8Array; level: StorageLevelName }
  | { op: 'removeRdd'; rddId: number };

export type CacheReply =
  | { id: number; ok: true; bytes?: Uint8Array; remote?: boolean; stored?: boolean }
  | { id: number; ok: false; message: string };

/** What the main thread serves a task thread's port from (ExecutorBlockManager). */
export interface SharedCache {
  get(blockId: string): Promise<CachedBlock | undefined>;
  put(blockId: string, bytes: Buffer, level: StorageLevelName): Promise<boolean>;
  removeRdd(rddId: number): Promise<void>;
}

/** The task thread's side: the shared cache as a CacheStore. */
export class PortCacheClient implements CacheStore {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: CacheReply) => void }>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (r: CacheReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      p.resolve(r);
    });
    // an idle port must not keep a stopping task thread alive; a waiting task is kept alive by its parent port
    port.unref();
  }

  async get(blockId: string): Promise<CachedBlock | undefined> {
    const r = await this.ask({ op: 'get', id: this.nextId++, blockId });
    if (!r.bytes) return undefined;
    return { bytes: toBuffer(r.bytes), ...(r.remote ? { remote: true } : {}) };
  }

  async put(blockId: string, bytes: Buffer, level: StorageLevelName): Promise<boolean> {
    const r = await this.ask({ op: 'put', id: this.nextId++, blockId, bytes, level });
    return r.stored === true;
  }

  removeRdd(rddId: number): Promise<void> {
    this.port.postMessage({ op: 'removeRdd', rddId } satisfies CacheRequest);
    return Promise.resolve();
  }

  /** The executor's main thread owns the blocks and drops them when it exits. */
  clear(): Promise<void> {
    return Promise.resolve();
  }

  private ask(request: Extract<CacheRequest, { id: number }>): Promise<Extract<CacheReply, { ok: true }>> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, {
        resolve: (r) => (r.ok ? resolve(r) : reject(new Error(`the executor's block manager failed: ${r.message}`))),
      });
      // the bytes of a put are copied to the main thread (not transferred: the caller's buffer may share a pool)
      this.port.postMessage(request);
    });
  }
}

/** The main thread's side: answers one task thread's port from `cache`. */
export function serveCachePort(port: MessagePort, cache: SharedCache): void {
  port.on('message', (m: CacheRequest) => {
    if (m.op === 'removeRdd') {
      void cache.removeRdd(m.rddId);
      return;
    }
    const answer =
      m.op === 'get'
        ? cache.get(m.blockId).then((b): CacheReply => ({
            id: m.id,
            ok: true,
            ...(b ? { bytes: b.bytes, ...(b.remote ? { remote: true } : {}) } : {}),
          }))
        : cache.put(m.blockId, toBuffer(m.bytes), m.level).then((stored): CacheReply => ({ id: m.id, ok: true, stored }));
    answer.then(
      (reply) => port.postMessage(reply),
      (e: unknown) => port.postMessage({ id: m.id, ok: false, message: (e as Error).message } satisfies CacheReply),
    );
  });
  port.unref();
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
