import { TsparkError, ExitCode, type ErrorContext } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { RpcConnection, RpcHandler } from '../../../rpc/rpc-connection.js';
import { RpcServer } from '../../../rpc/rpc-server.js';
import type { DriverEndpointAddress } from '../../../rpc/endpoint-address.js';
import {
  Msg,
  type AppConfig,
  type BroadcastPiecesHeld,
  type BlockLocations,
  type GetBlockLocations,
  type HeartbeatResponse,
  type LaunchTask,
  type RegisterExecutor,
  type RegisteredExecutor,
  type RemoveBlock,
  type StatusUpdate,
} from '../../../executor/protocol.js';
import { BlockClientPool } from '../../shuffle/remote/index.js';
import { decodeTaskResult } from '../task-codec.js';
import {
  NO_LOCALITY_PREFERENCES,
  type LocalityPreferences,
  type SchedulerBackend,
  type SchedulerBackendClient,
  type TaskLaunch,
} from '../backend.js';
import {
  DEFAULT_BROADCAST_PIECE_SETTINGS,
  DriverBroadcasts,
  type BroadcastPieceSettings,
} from './driver-broadcasts.js';

/**
 * The driver side of the executor protocol (Spark's
 * CoarseGrainedSchedulerBackend): an authenticated RPC endpoint executors
 * register with, offers of their free cores to the task scheduler, task
 * launches, status updates, heartbeats, and executor loss. Where executors
 * come from (child processes, YARN containers) is the launcher's job.
 *
 * An executor is lost when its connection closes, its process exits, or it
 * has been silent for longer than `executorTimeoutMs`; its running tasks are
 * then failed by the task scheduler and retried elsewhere.
 *
 * Broadcasts: the driver's own block server (DriverBroadcasts) serves their
 * pieces; before an executor's first task that needs one, it gets a
 * BroadcastInfo (sizes, checksums, holders) and fetches the pieces itself.
 *
 * A result too large for a StatusUpdate arrives as a block id and a size
 * (an indirect result): the size is checked against spark.driver.maxResultSize
 * first, then the block is fetched from the executor's block server in the
 * background and removed there, and the result goes to the task scheduler.
 * A result that cannot be fetched makes the task run again.
 */

/** Starts executor processes for a driver endpoint and stops them. */
export interface ExecutorLauncher {
  /** Starts the executors; `onExit` is called once per executor process that ends. */
  launch(
    driver: { host: string; port: number },
    secret: Buffer,
    onExit: (executorId: string, reason: string) => void,
  ): Promise<void>;
  /** Starts an executor in place of a lost one (optional: YARN asks the ResourceManager instead). */
  replace?(lostExecutorId: string): void;
  /** Waits up to `timeoutMs` for the executors to exit, then kills those left. */
  stop(timeoutMs: number): Promise<void>;
}

export interface ClusterBackendOptions {
  endpoint: DriverEndpointAddress;
  secret: Buffer;
  /** The application's configuration as executors receive it (the secret must not be in it). */
  executorConf: Record<string, string>;
  /** Executors start() waits for before the first job may run. */
  expectedExecutors: number;
  /** Cores the expected executors bring: the default parallelism before they register. */
  expectedCores: number;
  /** How long start() waits for the expected executors. */
  registrationTimeoutMs: number;
  /** spark.network.timeout: an executor silent for longer is lost. */
  executorTimeoutMs: number;
  /** How long stop() waits for executors to exit before killing them. */
  stopTimeoutMs: number;
  maxFrameBytes?: number;
  requestTimeoutMs?: number;
  /** Piece size, checksums and the driver block server's port (defaults: 4 MiB, on, any port). */
  broadcast?: BroadcastPieceSettings;
  launcher?: ExecutorLauncher;
  /** Handlers for other peers of the endpoint, by message type (yarn-client: the ApplicationMaster). */
  extraHandlers?: ReadonlyMap<string, RpcHandler>;
  logger: Logger;
  now?: () => number;
}

export interface ExecutorInfo {
  id: string;
  host: string;
  cores: number;
  pid: number;
  runningTasks: number;
  /** Its block server's port on `host`, when it runs one. */
  blockPort?: number;
}

interface RegisteredExecutorState {
  id: string;
  host: string;
  cores: number;
  pid: number;
  blockPort: number | undefined;
  connection: RpcConnection;
  running: Set<number>;
  binaries: Set<number>;
  broadcasts: Set<number>;
  lastSeen: number;
}

export class ExecutorsNotRegisteredError extends TsparkError {
  constructor(message: string, context: ErrorContext) {
    super('EXECUTORS_NOT_REGISTERED', message, { exitCode: ExitCode.RESOURCES, context });
  }
}

export class ClusterSchedulerBackend implements SchedulerBackend {
  private server: RpcServer | undefined;
  private client: SchedulerBackendClient | undefined;
  private readonly executors = new Map<string, RegisteredExecutorState>();
  /** Ids once registered and since lost: they may not come back. */
  private readonly lost = new Map<string, string>();
  private readonly broadcasts: DriverBroadcasts;
  private readonly log: Logger;
  private readonly now: () => number;
  private reviveScheduled = false;
  private stopping = false;
  private livenessTimer: NodeJS.Timeout | undefined;
  private registrationWaiter: { check(): void; fail(reason: string): void } | undefined;
  /** Connections to executors' block servers, for indirect results; opened on first use. */
  private blockClients: BlockClientPool | undefined;
  private readonly results = { direct: 0, indirect: 0, indirectBytes: 0, lost: 0, refused: 0 };
  private cacheLocator: ((rddId: number, partition: number) => readonly string[]) | undefined;

  constructor(private readonly options: ClusterBackendOptions) {
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    this.broadcasts = new DriverBroadcasts({
      ...(options.broadcast ?? DEFAULT_BROADCAST_PIECE_SETTINGS),
      bindAddress: options.endpoint.bindAddress,
      advertisedHost: options.endpoint.advertisedHost,
      secret: options.secret,
      logger: options.logger,
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
    });
  }

  /** The driver's broadcast pieces and who else holds them, for tests and diagnostics. */
  get broadcastPieces(): DriverBroadcasts {
    return this.broadcasts;
  }

  /** The address executors dial (advertised host, bound port); defined after start(). */
  get driverAddress(): { host: string; port: number } | undefined {
    return this.server?.address;
  }

  /** Registered executors, for diagnostics and tests. */
  executorInfo(): ExecutorInfo[] {
    return [...this.executors.values()].map((e) => ({
      id: e.id,
      host: e.host,
      cores: e.cores,
      pid: e.pid,
      runningTasks: e.running.size,
      ...(e.blockPort === undefined ? {} : { blockPort: e.blockPort }),
    }));
  }

  /**
   * Task results received so far: direct (in the StatusUpdate), indirect
   * (fetched from an executor's block server) and their bytes, lost (could not
   * be fetched) and refused (not fetched: over spark.driver.maxResultSize, or no
   * longer wanted).
   */
  resultStats(): { direct: number; indirect: number; indirectBytes: number; lost: number; refused: number } {
    return { ...this.results };
  }

  /** Executors lost so far, with the reason. */
  lostExecutors(): ReadonlyMap<string, string> {
    return this.lost;
  }

  /** Where pending tasks would like executors (yarn: the AM places new containers there). */
  localityPreferences(): LocalityPreferences {
    return this.client?.localityPreferences?.() ?? NO_LOCALITY_PREFERENCES;
  }

  defaultParallelism(): number {
    let cores = 0;
    for (const e of this.executors.values()) cores += e.cores;
    return Math.max(2, cores || this.options.expectedCores);
  }

  async start(client: SchedulerBackendClient): Promise<void> {
    this.client = client;
    const { endpoint } = this.options;
    await this.broadcasts.start();
    const server = await RpcServer.listen({
      bindAddress: endpoint.bindAddress,
      port: endpoint.port,
      advertisedHost: endpoint.advertisedHost,
      secret: this.options.secret,
      logger: this.log,
      name: 'driver endpoint',
      ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
      ...(this.options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: this.options.requestTimeoutMs }),
    }).catch(async (e: unknown) => {
      await this.broadcasts.stop();
      throw e;
    });
    this.server = server;
    server.on('authFailed', (err, peer) =>
      this.log.warn({ peer }, `refused a connection to the driver endpoint: ${err.message}`),
    );
    this.installHandlers(server);
    for (const [type, handler] of this.options.extraHandlers ?? []) server.handle(type, handler);
    const address = server.address;
    this.log.info(
      { host: address.host, port: address.port, bindAddress: endpoint.bindAddress },
      `Driver endpoint listening on ${endpoint.bindAddress}:${address.port}, executors dial ${address.host}:${address.port}`,
    );
    const interval = Math.max(100, Math.min(10_000, Math.floor(this.options.executorTimeoutMs / 4)));
    this.livenessTimer = setInterval(() => this.expireSilentExecutors(), interval);
    this.livenessTimer.unref();

    const registered = this.waitForExecutors(address);
    await this.options.launcher?.launch(address, this.options.secret, (id, reason) =>
      this.onProcessExit(id, reason),
    );
    await registered;
  }

  private waitForExecutors(address: { host: string; port: number }): Promise<void> {
    const expected = this.options.expectedExecutors;
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.registrationWaiter = undefined;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new ExecutorsNotRegisteredError(
            `Only ${this.executors.size} of ${expected} executors registered with the driver endpoint at ` +
              `${address.host}:${address.port} within ${this.options.registrationTimeoutMs} ms: check that ` +
              'executors can reach that address (spark.driver.host, spark.driver.port) and their logs',
            { driver: `${address.host}:${address.port}`, registered: this.executors.size, expected },
          ),
        );
      }, this.options.registrationTimeoutMs);
      this.registrationWaiter = {
        check: () => {
          if (this.executors.size >= expected) {
            done();
            resolve();
          }
        },
        fail: (reason) => {
          done();
          reject(
            new ExecutorsNotRegisteredError(
              `An executor ended before it registered with the driver endpoint at ${address.host}:${address.port}: ${reason}`,
              { driver: `${address.host}:${address.port}` },
            ),
          );
        },
      };
      this.registrationWaiter.check();
    });
  }

  private installHandlers(server: RpcServer): void {
    server.handle(
      Msg.RETRIEVE_APP_CONFIG,
      () => ({ type: Msg.APP_CONFIG, conf: this.options.executorConf }) satisfies AppConfig,
    );
    server.handle(Msg.REGISTER_EXECUTOR, (m, ctx) => this.register(m as RegisterExecutor, ctx.connection));
    server.handle(Msg.STATUS_UPDATE, (m, ctx) => {
      const id = String(m.executorId);
      const e = this.executors.get(id);
      // a result from an executor already declared lost: its tasks were failed and resubmitted
      if (!e || e.connection !== ctx.connection) return;
      e.lastSeen = this.now();
      e.running.delete(Number(m.taskId));
      const update = m as StatusUpdate;
      if (update.indirect) this.indirectResult(e, Number(update.taskId), update.indirect);
      else {
        this.results.direct++;
        this.client?.statusUpdate(id, decodeTaskResult(ctx.body), ctx.body.length);
      }
      this.reviveOffers();
    });
    server.handle(Msg.BROADCAST_PIECES_HELD, (m, ctx) => {
      const held = m as BroadcastPiecesHeld;
      const e = this.executors.get(String(held.executorId));
      const id = Number(held.id);
      // a report after an unpersist (the executor was told to drop them) or from a lost executor is stale
      if (!e || e.connection !== ctx.connection || !e.broadcasts.has(id) || !Array.isArray(held.pieces)) return;
      this.broadcasts.piecesHeld(id, e.id, held.pieces.map(Number));
    });
    server.handle(Msg.GET_BLOCK_LOCATIONS, (m) => this.blockLocations(m as GetBlockLocations));
    server.handle(Msg.HEARTBEAT, (m, ctx) => {
      const e = this.executors.get(String(m.executorId));
      const known = e !== undefined && e.connection === ctx.connection;
      if (known) e.lastSeen = this.now();
      return { type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: !known } satisfies HeartbeatResponse;
    });
  }

  setCacheLocator(locate: (rddId: number, partition: number) => readonly string[]): void {
    this.cacheLocator = locate;
  }

  /** Registered executors other than the asker holding a cached block, with their block servers. */
  private blockLocations(m: GetBlockLocations): BlockLocations {
    const reply: BlockLocations = { type: Msg.BLOCK_LOCATIONS, holders: [] };
    const parsed = /^rdd_(\d+)_(\d+)$/.exec(String(m.blockId));
    if (!parsed || !this.cacheLocator) return reply;
    for (const id of this.cacheLocator(Number(parsed[1]), Number(parsed[2]))) {
      const e = this.executors.get(id);
      if (!e || e.id === String(m.executorId) || e.blockPort === undefined) continue;
      reply.holders.push({ executorId: e.id, host: e.host, port: e.blockPort });
    }
    return reply;
  }

  /**
   * Spark's TaskResultGetter for an IndirectTaskResult: check the size, fetch
   * the block without blocking the event loop, tell the executor to drop it,
   * then hand the result on as if it had come directly.
   */
  private indirectResult(e: RegisteredExecutorState, taskId: number, indirect: NonNullable<StatusUpdate['indirect']>): void {
    const client = this.client;
    if (!client) return;
    const blockId = String(indirect.blockId);
    const size = Number(indirect.size);
    const removeBlock = (): void => {
      if (!indirect.dropped && e.connection.isOpen) e.connection.send({ type: Msg.REMOVE_BLOCK, blockId } satisfies RemoveBlock);
    };
    // the size alone decides spark.driver.maxResultSize, before a byte is fetched
    if (!client.canFetchResult?.(taskId, size)) {
      this.results.refused++;
      removeBlock();
      return;
    }
    if (indirect.dropped) {
      // under the limit after all (a task set that does not count results): the bytes are gone
      client.statusUpdate(e.id, {
        taskId,
        ok: false,
        error: {
          name: 'TaskResultTooLarge',
          message: `executor ${e.id} dropped the result of task ${taskId} (${size} bytes) because it is larger than spark.driver.maxResultSize; raise the limit (0 = none) or bring less back to the driver`,
        },
        metrics: { runMs: 0 },
      });
      return;
    }
    if (e.blockPort === undefined) {
      this.results.lost++;
      client.taskResultLost?.(e.id, taskId, `executor ${e.id} runs no block server`);
      return;
    }
    const address = { host: e.host, port: e.blockPort };
    const pool = (this.blockClients ??= new BlockClientPool({
      secret: this.options.secret,
      logger: this.log,
      ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
      ...(this.options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.options.requestTimeoutMs }),
    }));
    const started = this.now();
    pool.fetchBlock(address, blockId).then(
      (bytes) => {
        removeBlock();
        if (this.stopping) return;
        this.results.indirect++;
        this.results.indirectBytes += bytes.length;
        this.log.info(
          { executorId: e.id, taskId, blockId, resultBytes: bytes.length, fetchMs: this.now() - started },
          `Fetched the result of task ${taskId} (${bytes.length} bytes) from the block server of executor ${e.id} as ${blockId}`,
        );
        client.statusUpdate(e.id, decodeTaskResult(bytes));
        this.reviveOffers();
      },
      (err: Error) => {
        if (this.stopping) return;
        this.results.lost++;
        this.log.warn(
          { executorId: e.id, taskId, blockId, err: { message: err.message } },
          `Lost the result of task ${taskId} on executor ${e.id}; the task runs again: ${err.message}`,
        );
        client.taskResultLost?.(e.id, taskId, err.message);
      },
    );
  }

  private register(m: RegisterExecutor, connection: RpcConnection): RegisteredExecutor {
    const id = String(m.executorId);
    if (this.stopping)
      throw new TsparkError('EXECUTOR_REFUSED', `executor ${id} registered while the driver is stopping`);
    if (this.executors.has(id) || this.lost.has(id)) {
      throw new TsparkError(
        'EXECUTOR_REFUSED',
        `executor id ${id} is already registered (or was lost); each executor needs its own id`,
      );
    }
    const cores = Number(m.cores);
    if (!Number.isInteger(cores) || cores < 1) {
      throw new TsparkError(
        'EXECUTOR_REFUSED',
        `executor ${id} registered with ${String(m.cores)} cores; it needs at least 1`,
      );
    }
    const e: RegisteredExecutorState = {
      id,
      host: String(m.host),
      cores,
      pid: Number(m.pid),
      blockPort: m.blockPort === undefined ? undefined : Number(m.blockPort),
      connection,
      running: new Set(),
      binaries: new Set(),
      broadcasts: new Set(),
      lastSeen: this.now(),
    };
    this.executors.set(id, e);
    connection.once('closed', (cause) =>
      this.removeExecutor(id, connection, `its connection closed: ${cause.message}`),
    );
    this.log.info(
      { executorId: id, host: e.host, cores },
      `Registered executor ${id} (${e.host}, pid ${e.pid}) with ${cores} cores`,
    );
    this.registrationWaiter?.check();
    // tasks go out after the RegisteredExecutor answer
    setImmediate(() => this.reviveOffers());
    return { type: Msg.REGISTERED_EXECUTOR };
  }

  private onProcessExit(id: string, reason: string): void {
    if (this.stopping) return;
    const e = this.executors.get(id);
    if (e) this.removeExecutor(id, e.connection, `its process ${reason}`);
    else if (!this.lost.has(id)) this.registrationWaiter?.fail(`executor ${id} ${reason}`);
  }

  private expireSilentExecutors(): void {
    const now = this.now();
    for (const e of [...this.executors.values()]) {
      const silentFor = now - e.lastSeen;
      if (silentFor > this.options.executorTimeoutMs) {
        this.removeExecutor(
          e.id,
          e.connection,
          `no heartbeat for ${silentFor} ms (spark.network.timeout = ${this.options.executorTimeoutMs} ms)`,
        );
      }
    }
  }

  private removeExecutor(id: string, connection: RpcConnection, reason: string): void {
    const e = this.executors.get(id);
    if (!e || e.connection !== connection) return;
    this.executors.delete(id);
    this.broadcasts.executorLost(id);
    connection.close(`executor ${id} lost`);
    // executors leaving because stop() asked them to are not lost
    if (this.stopping) return;
    this.lost.set(id, reason);
    this.log.error(
      { executorId: id, runningTasks: e.running.size },
      `Lost executor ${id} on ${e.host}: ${reason}`,
    );
    // its block server went with it: the map outputs it held are lost
    this.client?.executorLost(id, reason, { shuffleFilesLost: true });
    this.options.launcher?.replace?.(id);
  }

  reviveOffers(): void {
    if (this.reviveScheduled || this.stopping) return;
    this.reviveScheduled = true;
    // coalesce bursts of revives (many results at once) into one offer round
    setImmediate(() => {
      this.reviveScheduled = false;
      this.makeOffers();
    });
  }

  private makeOffers(): void {
    if (!this.client || this.stopping) return;
    const offers = [...this.executors.values()]
      .map((e) => ({ executorId: e.id, freeSlots: e.cores - e.running.size, host: e.host }))
      .filter((o) => o.freeSlots > 0);
    if (offers.length === 0) return;
    for (const l of this.client.resourceOffers(offers)) this.launch(l);
  }

  private launch(l: TaskLaunch): void {
    const e = this.executors.get(l.executorId);
    if (!e) {
      // offered and lost in the same tick: the task fails and is retried elsewhere
      this.client?.executorLost(l.executorId, this.lost.get(l.executorId) ?? 'executor unknown');
      return;
    }
    const c = e.connection;
    for (const id of l.broadcastIds) {
      if (e.broadcasts.has(id)) continue;
      // a destroyed broadcast has no info: the task fails on the executor saying so
      const info = this.broadcasts.info(id, (executorId) => this.blockAddressOf(executorId));
      if (info) c.send(info);
      e.broadcasts.add(id);
    }
    if (!e.binaries.has(l.binaryId)) {
      c.send({ type: Msg.STAGE_BINARY, binaryId: l.binaryId }, l.binary);
      e.binaries.add(l.binaryId);
    }
    e.running.add(l.taskId);
    const launch: LaunchTask = {
      type: Msg.LAUNCH_TASK,
      taskId: l.taskId,
      binaryId: l.binaryId,
      broadcastIds: [...l.broadcastIds],
    };
    c.send(launch, l.task);
  }

  private blockAddressOf(executorId: string): { host: string; port: number } | undefined {
    const e = this.executors.get(executorId);
    return e?.blockPort === undefined ? undefined : { host: e.host, port: e.blockPort };
  }

  registerBroadcast(id: number, bytes: Buffer): void {
    this.broadcasts.register(id, bytes);
  }

  removeBroadcast(id: number, destroy: boolean): void {
    if (destroy) this.broadcasts.destroy(id);
    else this.broadcasts.unpersist(id);
    for (const e of this.executors.values()) {
      if (e.broadcasts.delete(id) && e.connection.isOpen) e.connection.send({ type: Msg.DROP_BROADCAST, id });
    }
  }

  releaseBinary(binaryId: number): void {
    for (const e of this.executors.values()) {
      if (e.binaries.delete(binaryId) && e.connection.isOpen)
        e.connection.send({ type: Msg.DROP_BINARY, binaryId });
    }
  }

  removeRdd(rddId: number): void {
    for (const e of this.executors.values()) {
      if (e.connection.isOpen) e.connection.send({ type: Msg.DROP_RDD, rddId });
    }
  }

  /** One-way to every executor: delete the shuffle's files (lost executors' went with them). */
  async removeShuffle(shuffleId: number): Promise<void> {
    for (const e of this.executors.values()) {
      if (e.connection.isOpen) e.connection.send({ type: Msg.REMOVE_SHUFFLE, shuffleId });
    }
  }

  /** Tells every executor to stop, waits (bounded) for them to go, then closes the endpoint. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.livenessTimer);
    const timeoutMs = this.options.stopTimeoutMs;
    const closed = [...this.executors.values()].map(
      (e) =>
        new Promise<void>((resolve) => {
          if (!e.connection.isOpen) return resolve();
          e.connection.once('closed', () => resolve());
          e.connection.send({ type: Msg.STOP_EXECUTOR });
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const late = await Promise.race([Promise.all(closed).then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) this.log.warn({ timeoutMs }, 'some executors did not acknowledge StopExecutor in time');
    await this.options.launcher?.stop(timeoutMs);
    this.blockClients?.close();
    this.executors.clear();
    await this.server?.close();
    await this.broadcasts.stop();
  }
}
