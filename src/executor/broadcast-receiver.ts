import type { Logger } from '../log.js';
import {
  BroadcastDroppedError,
  describeHolder,
  fetchBroadcastPieces,
  type BroadcastPieceStore,
  type FetchBlock,
  type FetchedBroadcast,
} from '../core/broadcast-pieces/index.js';
import type { BroadcastInfo } from './protocol.js';

/**
 * An executor's broadcasts: what the driver said about each (BroadcastInfo),
 * the fetch of its pieces (one per broadcast, shared by every task waiting
 * for it), and the assembled value's bytes for the task slots. When this
 * executor runs a block server, each piece it verifies is kept in `store`
 * (served under `broadcast_`) and reported to the driver, so executors that
 * fetch later can take it from here.
 */

export interface BroadcastReceiverOptions {
  executorId: string;
  fetchBlock: FetchBlock;
  /** The pieces this executor serves; absent when it runs no block server (it then only fetches). */
  store?: BroadcastPieceStore;
  /** Tells the driver this executor now holds and serves these pieces. */
  reportHeld: (broadcastId: number, pieces: number[]) => void;
  logger: Logger;
  random?: () => number;
  concurrency?: number;
}

interface Fetch {
  controller: AbortController;
  done: Promise<Buffer>;
}

export class BroadcastReceiver {
  private readonly infos = new Map<number, BroadcastInfo>();
  private readonly values = new Map<number, Buffer>();
  private readonly fetches = new Map<number, Fetch>();
  /** Pieces of unfinished fetches when there is no store to keep them in (a retry reuses them). */
  private readonly partial = new Map<number, Map<number, Buffer>>();

  constructor(private readonly options: BroadcastReceiverOptions) {}

  /** The driver's word on a broadcast, before the first task here that needs it. */
  announce(info: BroadcastInfo): void {
    this.infos.set(info.id, info);
  }

  /**
   * The broadcast's bytes: at once when they are here, else the fetch in
   * progress (started if need be). Undefined when the driver sent no info
   * (the broadcast was destroyed): the task then fails saying so.
   */
  value(id: number): Buffer | Promise<Buffer> | undefined {
    const held = this.values.get(id);
    if (held) return held;
    const running = this.fetches.get(id);
    if (running) return running.done;
    const info = this.infos.get(id);
    if (!info) return undefined;
    return this.start(info).done;
  }

  /** Unpersist or destroy: pieces, bytes and info go; a fetch in progress stops. */
  drop(id: number): void {
    this.infos.delete(id);
    this.values.delete(id);
    this.partial.delete(id);
    this.options.store?.drop(id);
    const f = this.fetches.get(id);
    if (f) {
      this.fetches.delete(id);
      f.controller.abort();
    }
  }

  /** Stops every fetch (the executor is stopping). */
  close(): void {
    for (const id of [...this.fetches.keys()]) this.drop(id);
  }

  private start(info: BroadcastInfo): Fetch {
    const { id } = info;
    const controller = new AbortController();
    const store = this.options.store;
    const partial = store ? undefined : (this.partial.get(id) ?? new Map<number, Buffer>());
    if (partial) this.partial.set(id, partial);
    const startedAt = Date.now();
    const log = this.options.logger;
    const current = (): boolean => this.fetches.get(id) === entry;
    const done = fetchBroadcastPieces(info, info, {
      fetchBlock: this.options.fetchBlock,
      signal: controller.signal,
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
      held: (piece) => (store ? store.get(id, piece) : partial!.get(piece)),
      onPiece: (piece, bytes) => {
        if (!current()) return;
        if (!store) {
          partial!.set(piece, bytes);
          return;
        }
        store.put(id, piece, bytes);
        this.options.reportHeld(id, [piece]);
      },
      onHolderFailed: (piece, from, reason) =>
        log.warn(
          { broadcastId: id, piece, holder: from.id },
          `Broadcast ${id} piece ${piece} from ${describeHolder(from)} failed: ${reason}; trying another holder`,
        ),
    }).then(
      (fetched) => {
        if (!current()) throw new BroadcastDroppedError(id);
        this.fetches.delete(id);
        this.partial.delete(id);
        this.keep(info, fetched);
        log.info(
          {
            broadcastId: id,
            bytes: fetched.bytes.length,
            pieces: fetched.pieces.length,
            fromDriver: fetched.fromDriver,
            fromExecutors: fetched.fromExecutors,
            alreadyHeld: fetched.alreadyHeld,
            badPieces: fetched.badPieces,
            ms: Date.now() - startedAt,
          },
          `Executor ${this.options.executorId} fetched broadcast ${id} (${fetched.bytes.length} bytes, ` +
            `${fetched.pieces.length} pieces: ${fetched.fromDriver} from the driver, ` +
            `${fetched.fromExecutors} from executors, ${fetched.alreadyHeld} already here, ` +
            `${fetched.badPieces} bad copies refetched) in ${Date.now() - startedAt} ms`,
        );
        return fetched.bytes;
      },
      (e: unknown) => {
        // the next task that needs it starts a new fetch (keeping the pieces already verified)
        if (current()) this.fetches.delete(id);
        throw e;
      },
    );
    // tasks waiting on it see the rejection; nobody waiting must not mean an unhandled one
    done.catch(() => undefined);
    const entry: Fetch = { controller, done };
    this.fetches.set(id, entry);
    return entry;
  }

  /** Keeps the assembled bytes; the served pieces become views of them, so the value is held once. */
  private keep(info: BroadcastInfo, fetched: FetchedBroadcast): void {
    this.values.set(info.id, fetched.bytes);
    const store = this.options.store;
    if (!store || fetched.pieces.length < 2) return;
    let offset = 0;
    info.pieces.forEach((p, i) => {
      store.put(info.id, i, fetched.bytes.subarray(offset, offset + p.length));
      offset += p.length;
    });
  }
}
