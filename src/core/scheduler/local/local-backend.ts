import { Worker } from 'node:worker_threads';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../log.js';
import type { ExecutorOptions } from '../../executor/executor-state.js';
import { removeShuffleFiles } from '../../shuffle/remove-shuffle-files.js';
import { decodeTaskResult } from '../task-codec.js';
import type { SchedulerBackend, SchedulerBackendClient, TaskLaunch } from '../backend.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';
import { locateWorkerScript, type WorkerScript } from './worker-script.js';

/**
 * `local[K]`: K worker threads of this process, each an executor slot that
 * runs one task at a time. Tasks reach workers as encoded bytes, as they
 * would reach a remote executor. Each worker gets up to `PIPELINE_DEPTH`
 * tasks at once so it never idles waiting for the next launch message.
 */
const PIPELINE_DEPTH = 2;
/** A larger young generation than V8's default: tasks allocate many short-lived records. */
const YOUNG_GENERATION_MB = 64;

export interface LocalBackendOptions {
  threads: number;
  conf: Record<string, string>;
  /** The application's local directory: one subdirectory per worker. */
  localDir: string;
  taskMemoryBytes: number;
  storageMemoryBytes: number;
}

interface WorkerSlot {
  id: string;
  index: number;
  generation: number;
  worker: Worker;
  inFlight: number;
  binaries: Set<number>;
  broadcasts: Set<number>;
  stopped?: () => void;
}

export class LocalBackend implements SchedulerBackend {
  private workers: WorkerSlot[] = [];
  private client: SchedulerBackendClient | undefined;
  private script: WorkerScript | undefined;
  private readonly broadcasts = new Map<number, Buffer>();
  private reviveScheduled = false;
  private stopping = false;

  constructor(
    private readonly options: LocalBackendOptions,
    private readonly log: Logger,
  ) {}

  defaultParallelism(): number {
    return this.options.threads;
  }

  async start(client: SchedulerBackendClient): Promise<void> {
    this.client = client;
    this.script = await locateWorkerScript();
    for (let i = 0; i < this.options.threads; i++) await this.startWorker(i, 0);
    this.log.debug({ threads: this.options.threads }, 'local backend started');
  }

  /** Starts worker `index`; a replacement after a crash gets a new generation (and executor id). */
  private async startWorker(index: number, generation: number): Promise<void> {
    const id = generation === 0 ? `local-${index}` : `local-${index}.${generation}`;
    const localDir = join(this.options.localDir, `executor-${index}-${generation}`);
    await mkdir(localDir, { recursive: true });
    const data: ExecutorOptions = {
      executorId: id,
      conf: this.options.conf,
      localDir,
      taskMemoryBytes: this.options.taskMemoryBytes,
      storageMemoryBytes: this.options.storageMemoryBytes,
    };
    const worker = new Worker(this.script!.path, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const slot: WorkerSlot = { id, index, generation, worker, inFlight: 0, binaries: new Set(), broadcasts: new Set() };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.onWorkerExit(slot, `crashed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.stopping) this.onWorkerExit(slot, `exited with code ${code}`);
      slot.stopped?.();
    });
    // idle workers do not keep the process alive: a script that forgets sc.stop() still exits
    worker.unref();
    this.workers.push(slot);
  }

  reviveOffers(): void {
    if (this.reviveScheduled || this.stopping) return;
    this.reviveScheduled = true;
    // coalesce bursts of revives (many task results at once) into one offer round
    setImmediate(() => {
      this.reviveScheduled = false;
      this.makeOffers();
    });
  }

  private makeOffers(): void {
    if (!this.client || this.stopping) return;
    const offers = this.workers.map((w) => ({ executorId: w.id, freeSlots: PIPELINE_DEPTH - w.inFlight })).filter((o) => o.freeSlots > 0);
    if (offers.length === 0) return;
    const launches = this.client.resourceOffers(offers);
    const byWorker = new Map<WorkerSlot, TaskLaunch[]>();
    for (const l of launches) {
      const w = this.workers.find((x) => x.id === l.executorId)!;
      let list = byWorker.get(w);
      if (!list) byWorker.set(w, (list = []));
      list.push(l);
    }
    for (const [w, list] of byWorker) this.launch(w, list);
  }

  private launch(w: WorkerSlot, launches: TaskLaunch[]): void {
    for (const l of launches) {
      for (const id of l.broadcastIds) {
        if (w.broadcasts.has(id)) continue;
        const bytes = this.broadcasts.get(id);
        if (bytes) this.send(w, { type: 'broadcast', id, bytes });
        w.broadcasts.add(id);
      }
      if (!w.binaries.has(l.binaryId)) {
        this.send(w, { type: 'binary', binaryId: l.binaryId, bytes: l.binary });
        w.binaries.add(l.binaryId);
      }
    }
    if (w.inFlight === 0) w.worker.ref();
    w.inFlight += launches.length;
    this.send(w, { type: 'launch', tasks: launches.map((l) => l.task) });
  }

  private send(w: WorkerSlot, msg: ToWorker): void {
    w.worker.postMessage(msg);
  }

  private onMessage(w: WorkerSlot, m: FromWorker): void {
    if (m.type === 'result') {
      w.inFlight--;
      if (w.inFlight === 0) w.worker.unref();
      const result = decodeTaskResult(m.bytes);
      this.client?.statusUpdate(w.id, result, m.bytes.length);
      this.reviveOffers();
    } else if (m.type === 'fatal') {
      this.log.error({ executorId: w.id }, `executor ${w.id} failed: ${m.message}`);
    }
  }

  private onWorkerExit(w: WorkerSlot, reason: string): void {
    if (this.stopping || !this.workers.includes(w)) return;
    this.log.error({ executorId: w.id }, `Lost executor ${w.id}: ${reason}`);
    this.workers = this.workers.filter((x) => x !== w);
    this.client?.executorLost(w.id, reason);
    // replace it, as YARN replaces a lost executor: the job must not wait for a slot forever
    this.startWorker(w.index, w.generation + 1).then(
      () => this.reviveOffers(),
      (e: Error) => this.log.error({ executorId: w.id }, `could not replace executor ${w.id}: ${e.message}`),
    );
  }

  registerBroadcast(id: number, bytes: Buffer): void {
    this.broadcasts.set(id, bytes);
  }

  removeBroadcast(id: number, destroy: boolean): void {
    if (destroy) this.broadcasts.delete(id);
    for (const w of this.workers) {
      if (w.broadcasts.delete(id)) this.send(w, { type: 'dropBroadcast', id });
    }
  }

  releaseBinary(binaryId: number): void {
    for (const w of this.workers) {
      if (w.binaries.delete(binaryId)) this.send(w, { type: 'dropBinary', binaryId });
    }
  }

  removeRdd(rddId: number): void {
    for (const w of this.workers) this.send(w, { type: 'dropRdd', rddId });
  }

  /**
   * Deletes the shuffle's files in every worker directory, those of workers
   * that died included (their outputs stayed valid on the shared disk). The
   * files are on this process's disk, so no worker needs to be asked.
   */
  async removeShuffle(shuffleId: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.localDir);
    } catch {
      return;
    }
    const dirs = names.filter((n) => n.startsWith('executor-')).map((n) => join(this.options.localDir, n, 'shuffle'));
    const files = await removeShuffleFiles(dirs, shuffleId);
    this.log.debug({ shuffleId, files }, `Removed the files of shuffle ${shuffleId}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.worker.terminate().then(() => resolve()), 5000);
            w.stopped = () => {
              clearTimeout(timer);
              resolve();
            };
            this.send(w, { type: 'stop' });
          }),
      ),
    );
    this.workers = [];
    await this.script?.dispose();
  }
}
