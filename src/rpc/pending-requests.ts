import { RpcStateError } from './errors.js';

/**
 * Requests waiting for their response, by request id (u32, never 0: 0 marks
 * one-way frames). Each may carry a timer; whoever removes an entry (the
 * response, the timeout, or failAll) clears it, so each request settles
 * exactly once.
 */

const MAX_REQUEST_ID = 0xffff_ffff;

export interface PendingRequest<R> {
  /** The request's message type, for errors. */
  type: string;
  resolve: (response: R) => void;
  reject: (error: Error) => void;
}

interface Entry<R> extends PendingRequest<R> {
  timer: NodeJS.Timeout | undefined;
}

export class PendingRequests<R> {
  private readonly entries = new Map<number, Entry<R>>();
  private nextId = 1;

  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a request under a fresh id. After `timeoutMs` (0 = never) it is
   * removed and rejected with `onTimeout()`.
   */
  add(request: PendingRequest<R>, timeoutMs: number, onTimeout: () => Error): number {
    const id = this.allocateId();
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            if (this.entries.delete(id)) request.reject(onTimeout());
          }, timeoutMs)
        : undefined;
    this.entries.set(id, { ...request, timer });
    return id;
  }

  /** Removes and returns the request with this id (undefined if it timed out or never existed). */
  take(id: number): PendingRequest<R> | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }

  /** Rejects and removes every pending request. */
  failAll(error: Error): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      clearTimeout(e.timer);
      e.reject(error);
    }
  }

  private allocateId(): number {
    // ids wrap after 2^32 - 1 requests; skip ids still pending
    for (let tries = 0; tries < MAX_REQUEST_ID; tries++) {
      const id = this.nextId;
      this.nextId = id === MAX_REQUEST_ID ? 1 : id + 1;
      if (!this.entries.has(id)) return id;
    }
    throw new RpcStateError('every request id is in use on this connection');
  }
}
