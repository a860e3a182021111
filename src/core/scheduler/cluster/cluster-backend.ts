import { TsparkError, ExitCode, type ErrorContext } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { RpcConnection, RpcHandler } from '../../../rpc/rpc-connection.js';
import { RpcServer } from '../../../rpc/rpc-server.js';
import type { DriverEndpointAddress } from '../../../rpc/endpoint-address.js';
import {
  Msg,
  type AppConfig,
  type HeartbeatResponse,
  type LaunchTask,
  type RegisterExecutor,
  type RegisteredExecutor,
} from '../../../executor/protocol.js';
import { decodeTaskResult } from '../task-codec.js';
import {
  NO_LOCALITY_PREFERENCES,
  type LocalityPreferences,
  type SchedulerBackend,
  type SchedulerBackendClient,
  type TaskLaunch,
} from '../backend.js';

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
  private readonly broadcasts = new Map<number, Buffer>();
  private readonly log: Logger;
  private readonly now: () => number;
  private reviveScheduled = false;
  private stopping = false;
  private livenessTimer: NodeJS.Timeout | undefined;
  private registrationWaiter: { check(): void; fail(reason: string): void } | undefined;

  constructor(private readonly options: ClusterBackendOptions) {
    this.log = options.logger;
    this.now = options.now ?? Date.now;
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
      this.client?.statusUpdate(id, decodeTaskResult(ctx.body), ctx.body.length);
      this.reviveOffers();
    });
    server.handle(Msg.HEARTBEAT, (m, ctx) => {
      const e = this.executors.get(String(m.executorId));
      const known = e !== undefined && e.connection === ctx.connection;
      if (known) e.lastSeen = this.now();
      return { type: Msg.HEARTBEAT_RESPONSE, unknownExecutor: !known } satisfies HeartbeatResponse;
    });
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
      const bytes = this.broadcasts.get(id);
      if (bytes) c.send({ type: Msg.BROADCAST, id }, bytes);
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

  registerBroadcast(id: number, bytes: Buffer): void {
    this.broadcasts.set(id, bytes);
  }

  removeBroadcast(id: number, destroy: boolean): void {
    if (destroy) this.broadcasts.delete(id);
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
    this.executors.clear();
    await this.server?.close();
  }
}
