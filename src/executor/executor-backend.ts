import { ExitCode, TsparkError, type ExitCodeValue } from '../errors.js';
import type { Logger } from '../log.js';
import { RpcClient, type RpcConnectOptions } from '../rpc/rpc-client.js';
import type { RpcConnection } from '../rpc/rpc-connection.js';
import { MAX_FRAME_SIZE_KEY, RpcFrameTooLargeError } from '../rpc/errors.js';
import { encodeTaskResult } from '../core/scheduler/task-codec.js';
import type { RpcMessage } from '../rpc/codec/app-frame.js';
import { Config } from '../conf/registry.js';
import { rpcSettings } from '../rpc/rpc-settings.js';
import { SparkConf } from '../conf/spark-conf.js';
import {
  BROADCAST_BLOCK_PREFIX,
  BroadcastPieceStore,
  type FetchBlock,
} from '../core/broadcast-pieces/index.js';
import { BlockClientPool, MemoryBlockSource, type BlockSource } from '../core/shuffle/remote/index.js';
import { effectiveMaxDirectResultBytes, routeTaskResult, type ResultLimits } from './result-routing.js';
import { BroadcastReceiver } from './broadcast-receiver.js';
import {
  Msg,
  type AppConfig,
  type BlockLocations,
  type BroadcastInfo,
  type BroadcastPiecesHeld,
  type GetBlockLocations,
  type Heartbeat,
  type HeartbeatResponse,
  type LaunchTask,
  type RegisterExecutor,
  type RemoveBlock,
  type RetrieveAppConfig,
  type StageBinaryMessage,
  type StatusUpdate,
} from './protocol.js';
import type { TaskSlotEvents, TaskSlots } from './task-slots.js';

/**
 * The executor side of the driver endpoint (Spark's
 * CoarseGrainedExecutorBackend): connect and authenticate, fetch the
 * application's configuration, start the task slots, register, then run what
 * the driver sends and report results and heartbeats until told to stop or
 * the driver is gone.
 *
 * States: CONNECTING -> STARTING -> REGISTERED -> STOPPED. `run()` resolves
 * with the exit code and reason exactly once; the first cause wins.
 */

/** spark.executor.heartbeatInterval's default. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** spark.network.timeout's default: a driver silent for longer is considered gone. */
export const DEFAULT_DRIVER_TIMEOUT_MS = 120_000;

export type ExecutorBackendState = 'CONNECTING' | 'STARTING' | 'REGISTERED' | 'STOPPED';

export interface ExecutorExit {
  code: ExitCodeValue;
  reason: string;
}

/** An executor's block server as the backend sees it: where it listens, what it serves, how to stop it. */
export interface BlockServerHandle {
  readonly address: { host: string; port: number };
  /** Serves blocks of a prefix (`taskresult_`, `broadcast_`) from `source`. */
  registerBlockSource?(prefix: string, source: BlockSource): unknown;
  close(): Promise<void>;
}

export interface ExecutorBackendOptions {
  executorId: string;
  /** The host this executor is reached on (its block server). */
  host: string;
  cores: number;
  driverHost: string;
  driverPort: number;
  secret: string | Uint8Array;
  logger: Logger;
  /**
   * Starts the block server once the application's configuration is known,
   * before the task slots (their map outputs name its address). Without it the
   * executor serves no shuffle blocks and its reducers read local files only.
   */
  startBlockServer?: (conf: Record<string, string>) => Promise<BlockServerHandle>;
  /** Deletes this executor's map output files of a shuffle the driver no longer needs. */
  removeShuffle?: (shuffleId: number) => Promise<number>;
  /** Starts the task slots once the application's configuration is known. */
  startSlots: (
    conf: Record<string, string>,
    events: TaskSlotEvents,
    blockServer?: { host: string; port: number },
  ) => Promise<TaskSlots>;
  /**
   * Fetches a block from the driver's or a peer's block server (broadcast
   * pieces). Default: an authenticated BlockClientPool with the application secret.
   */
  fetchBlock?: FetchBlock;
  heartbeatIntervalMs?: number;
  driverTimeoutMs?: number;
  /** Passed to RpcClient.connect (attempts, backoff, timeouts). */
  connectOptions?: Partial<RpcConnectOptions>;
  connect?: typeof RpcClient.connect;
  now?: () => number;
  pid?: number;
}

export class ExecutorBackend {
  private state: ExecutorBackendState = 'CONNECTING';
  private connection: RpcConnection | undefined;
  private slots: TaskSlots | undefined;
  private blockServer: BlockServerHandle | undefined;
  private broadcasts: BroadcastReceiver | undefined;
  private blockClients: BlockClientPool | undefined;
  /** Broadcasts whose bytes the task slots have. */
  private readonly slotBroadcasts = new Set<number>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastHeardFromDriver: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private settle!: (exit: ExecutorExit) => void;
  private readonly exited: Promise<ExecutorExit>;
  private exit: ExecutorExit | undefined;
  /** Results too large for a StatusUpdate, until the driver fetched them (taskresult_<taskId>). */
  private readonly taskResults = new MemoryBlockSource();
  private resultLimits: ResultLimits | undefined;

  constructor(private readonly options: ExecutorBackendOptions) {
    this.log = options.logger.child({ component: 'executor', executorId: options.executorId });
    this.now = options.now ?? Date.now;
    this.lastHeardFromDriver = this.now();
    this.exited = new Promise((resolve) => (this.settle = resolve));
  }

  get currentState(): ExecutorBackendState {
    return this.state;
  }

  /** Runs the executor; resolves when it should exit (it never rejects). */
  async run(): Promise<ExecutorExit> {
    const driver = `${this.options.driverHost}:${this.options.driverPort}`;
    try {
      const connect = this.options.connect ?? RpcClient.connect;
      const connection = await connect(
        this.options.driverHost,
        this.options.driverPort,
        this.options.secret,
        {
          logger: this.options.logger,
          peerName: 'driver endpoint',
          ...this.options.connectOptions,
        },
      );
      this.connection = connection;
      this.installHandlers(connection);
      connection.once('closed', (cause) =>
        this.finish({
          code: ExitCode.REMOTE,
          reason: `lost the driver endpoint at ${driver}: ${cause.message}`,
        }),
      );
      this.transition('CONNECTING', 'STARTING');

      const config = (
        await connection.request({
          type: Msg.RETRIEVE_APP_CONFIG,
          executorId: this.options.executorId,
        } satisfies RetrieveAppConfig)
      ).message as AppConfig;
      if (this.exit) return this.exit;
      if (this.options.startBlockServer) {
        this.blockServer = await this.options.startBlockServer(config.conf);
        if (this.exit) {
          await this.blockServer.close();
          return this.exit;
        }
        if (this.blockServer.registerBlockSource) {
          this.blockServer.registerBlockSource('taskresult_', this.taskResults);
          this.resultLimits = resultLimits(config.conf, this.options.connectOptions?.maxFrameBytes);
        }
      }
      this.slots = await this.options.startSlots(
        config.conf,
        {
          onResult: (taskId, result) => this.onTaskResult(taskId, result),
          onFatal: (message) =>
            this.finish({
              code: ExitCode.INTERNAL,
              reason: `executor ${this.options.executorId}: ${message}`,
            }),
        },
        this.blockServer?.address,
      );
      if (this.exit) {
        await this.slots.stop();
        await this.blockServer?.close();
        return this.exit;
      }
      this.broadcasts = this.startBroadcastReceiver(config.conf, connection);
      await connection.request({
        type: Msg.REGISTER_EXECUTOR,
        executorId: this.options.executorId,
        host: this.options.host,
        cores: this.options.cores,
        pid: this.options.pid ?? process.pid,
        ...(this.blockServer ? { blockPort: this.blockServer.address.port } : {}),
      } satisfies RegisterExecutor);
      if (this.exit) return this.exited;
      this.transition('STARTING', 'REGISTERED');
      this.lastHeardFromDriver = this.now();
      this.log.info(
        { driver, cores: this.options.cores },
        `Executor ${this.options.executorId} registered with the driver at ${driver}`,
      );
      this.startHeartbeats();
    } catch (e) {
      const error = e as Error;
      const code = e instanceof TsparkError ? e.exitCode : ExitCode.INTERNAL;
      this.finish({
        code,
        reason: `executor ${this.options.executorId} could not join the driver at ${driver}: ${error.message}`,
      });
    }
    return this.exited;
  }

  /** Stops at once (a signal, or the driver said so). Idempotent; the first cause wins. */
  stop(reason: string, code: ExitCodeValue = ExitCode.OK): void {
    this.finish({ code, reason });
  }

  private installHandlers(c: RpcConnection): void {
    const slots = (): TaskSlots => {
      if (!this.slots)
        throw new TsparkError('EXECUTOR_NOT_READY', 'the driver sent work before this executor registered');
      return this.slots;
    };
    c.handle(Msg.STAGE_BINARY, (m, ctx) => slots().addBinary((m as StageBinaryMessage).binaryId, ctx.body));
    const broadcasts = (): BroadcastReceiver => {
      if (!this.broadcasts)
        throw new TsparkError('EXECUTOR_NOT_READY', 'the driver sent a broadcast before this executor registered');
      return this.broadcasts;
    };
    c.handle(Msg.BROADCAST_INFO, (m) => broadcasts().announce(m as BroadcastInfo));
    c.handle(Msg.LAUNCH_TASK, (m, ctx) => this.launch(slots(), broadcasts(), m as LaunchTask, ctx.body));
    c.handle(Msg.DROP_BINARY, (m) => slots().dropBinary(Number(m.binaryId)));
    c.handle(Msg.DROP_BROADCAST, (m) => {
      const id = Number(m.id);
      broadcasts().drop(id);
      this.slotBroadcasts.delete(id);
      slots().dropBroadcast(id);
    });
    c.handle(Msg.DROP_RDD, (m) => slots().dropRdd(Number(m.rddId)));
    c.handle(Msg.REMOVE_BLOCK, (m) => {
      this.taskResults.remove(String((m as RemoveBlock).blockId));
    });
    c.handle(Msg.REMOVE_SHUFFLE, (m) => {
      const shuffleId = Number(m.shuffleId);
      void this.options.removeShuffle?.(shuffleId).then(
        (files) => this.log.debug({ shuffleId, files }, `Removed the files of shuffle ${shuffleId}`),
        (e: unknown) =>
          this.log.warn({ shuffleId, err: (e as Error).message }, `Could not remove the files of shuffle ${shuffleId}`),
      );
    });
    c.handle(Msg.STOP_EXECUTOR, () =>
      this.finish({ code: ExitCode.OK, reason: 'the driver asked this executor to stop' }),
    );
  }

  private startBroadcastReceiver(conf: Record<string, string>, connection: RpcConnection): BroadcastReceiver {
    let fetchBlock = this.options.fetchBlock;
    if (!fetchBlock) {
      const rpc = rpcSettings(new SparkConf(conf));
      const pool = new BlockClientPool({
        secret: this.options.secret,
        logger: this.options.logger,
        maxFrameBytes: rpc.maxFrameBytes,
        requestTimeoutMs: rpc.networkTimeoutMs,
      });
      this.blockClients = pool;
      fetchBlock = (address, blockId, options) => pool.fetchBlock(address, blockId, options);
    }
    // pieces are served (and reported) only when the block server can serve them
    let store: BroadcastPieceStore | undefined;
    if (this.blockServer?.registerBlockSource) {
      store = new BroadcastPieceStore();
      this.blockServer.registerBlockSource(BROADCAST_BLOCK_PREFIX, store);
    }
    const executorId = this.options.executorId;
    return new BroadcastReceiver({
      executorId,
      fetchBlock,
      ...(store ? { store } : {}),
      logger: this.log,
      reportHeld: (id, pieces) => {
        if (!connection.isOpen || this.exit) return;
        connection.send({ type: Msg.BROADCAST_PIECES_HELD, executorId, id, pieces } satisfies BroadcastPiecesHeld);
      },
    });
  }

  /**
   * Runs a task once the broadcasts it reads are here: at once when they
   * are, else when their (shared) fetch ends; a failed fetch fails the task.
   */
  private launch(slots: TaskSlots, broadcasts: BroadcastReceiver, launch: LaunchTask, task: Buffer): void {
    const waits: Promise<unknown>[] = [];
    for (const id of launch.broadcastIds) {
      if (this.slotBroadcasts.has(id)) continue;
      // no info: the broadcast was destroyed; the task fails in its slot naming it
      const value = broadcasts.value(id);
      if (value === undefined) continue;
      if (Buffer.isBuffer(value)) this.giveToSlots(slots, id, value);
      else waits.push(value.then((bytes) => this.giveToSlots(slots, id, bytes)));
    }
    const run = (): void => slots.launch(launch.taskId, task, launch.binaryId, launch.broadcastIds);
    if (waits.length === 0) return run();
    Promise.all(waits).then(
      () => {
        if (!this.exit) run();
      },
      (e: unknown) => this.failTask(launch.taskId, e),
    );
  }

  private giveToSlots(slots: TaskSlots, id: number, bytes: Buffer): void {
    if (this.slotBroadcasts.has(id)) return;
    slots.addBroadcast(id, bytes);
    this.slotBroadcasts.add(id);
  }

  /** Reports a task that could not start as failed, with the reason. */
  private failTask(taskId: number, e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    const code = (error as { code?: unknown }).code;
    this.log.error({ taskId, err: { message: error.message } }, `Task ${taskId} cannot run: ${error.message}`);
    this.onTaskResult(
      taskId,
      encodeTaskResult({
        taskId,
        ok: false,
        error: { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) },
        metrics: { runMs: 0 },
      }),
    );
  }

  /**
   * Asks the driver which other executors hold a cached block, and where
   * their block servers are (empty when none, or when the driver is gone).
   */
  async locateBlock(blockId: string): Promise<{ executorId: string; address: { host: string; port: number } }[]> {
    const c = this.connection;
    if (!c?.isOpen || this.state !== 'REGISTERED') return [];
    const request: GetBlockLocations = { type: Msg.GET_BLOCK_LOCATIONS, executorId: this.options.executorId, blockId };
    const reply = (await c.request(request)).message as Partial<BlockLocations>;
    if (!Array.isArray(reply.holders)) return [];
    return reply.holders.map((h) => ({ executorId: String(h.executorId), address: { host: String(h.host), port: Number(h.port) } }));
  }

  /** Task results sent so far, by route, for metrics and tests. */
  get resultsSent(): { direct: number; indirect: number; dropped: number; held: number } {
    return { ...this.sent, held: this.taskResults.size.blocks };
  }

  private readonly sent = { direct: 0, indirect: 0, dropped: 0 };

  private onTaskResult(taskId: number, result: Uint8Array): void {
    const c = this.connection;
    if (!c?.isOpen) return;
    const update: StatusUpdate = { type: Msg.STATUS_UPDATE, executorId: this.options.executorId, taskId };
    const route = this.resultLimits ? routeTaskResult(taskId, result.length, this.resultLimits) : { kind: 'direct' as const };
    if (route.kind !== 'direct') {
      const dropped = route.kind === 'dropped';
      if (dropped) {
        this.sent.dropped++;
        this.log.warn(
          { taskId, resultBytes: route.size, maxResultBytes: this.resultLimits!.maxResultBytes },
          `Result of task ${taskId} (${route.size} bytes) is larger than spark.driver.maxResultSize (${this.resultLimits!.maxResultBytes} bytes): dropped, only its size goes to the driver`,
        );
      } else {
        this.sent.indirect++;
        const bytes = Buffer.from(result.buffer, result.byteOffset, result.byteLength);
        this.taskResults.put(route.blockId, bytes);
        this.log.info(
          { taskId, resultBytes: route.size, blockId: route.blockId },
          `Result of task ${taskId} (${route.size} bytes) kept as block ${route.blockId} for the driver to fetch`,
        );
      }
      c.send({ ...update, indirect: { blockId: route.blockId, size: route.size, ...(dropped ? { dropped } : {}) } });
      return;
    }
    this.sent.direct++;
    try {
      c.send(update, result);
    } catch (e) {
      if (!(e instanceof RpcFrameTooLargeError)) throw e;
      // the driver must hear about the task either way: fail it with the reason instead of dropping it
      const failed = encodeTaskResult({
        taskId,
        ok: false,
        error: {
          name: 'TaskResultTooLarge',
          code: e.code,
          message:
            `the result of task ${taskId} is ${result.length} bytes, more than one RPC message may carry ` +
            `(${MAX_FRAME_SIZE_KEY}); return less data to the driver (e.g. write it with saveAsTextFile) or raise the limit`,
        },
        metrics: { runMs: 0 },
      });
      c.send(update, failed);
    }
  }

  private startHeartbeats(): void {
    const interval = this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    const timeout = this.options.driverTimeoutMs ?? DEFAULT_DRIVER_TIMEOUT_MS;
    this.heartbeatTimer = setInterval(() => {
      const c = this.connection;
      if (!c?.isOpen || this.exit) return;
      const silentFor = this.now() - this.lastHeardFromDriver;
      if (silentFor > timeout) {
        this.finish({
          code: ExitCode.REMOTE,
          reason: `the driver at ${c.peer} has not answered a heartbeat for ${silentFor} ms (spark.network.timeout = ${timeout} ms)`,
        });
        return;
      }
      const beat: Heartbeat = {
        type: Msg.HEARTBEAT,
        executorId: this.options.executorId,
        runningTasks: this.slots?.running ?? 0,
      };
      c.request(beat as RpcMessage, { timeoutMs: timeout }).then(
        (r) => {
          this.lastHeardFromDriver = this.now();
          if ((r.message as HeartbeatResponse).unknownExecutor) {
            this.finish({
              code: ExitCode.REMOTE,
              reason: `the driver no longer knows executor ${this.options.executorId} (it was declared lost)`,
            });
          }
        },
        (e: Error) => this.log.warn({ err: { message: e.message } }, 'heartbeat failed'),
      );
    }, interval);
  }

  private finish(exit: ExecutorExit): void {
    if (this.exit) return;
    this.exit = exit;
    this.state = 'STOPPED';
    clearInterval(this.heartbeatTimer);
    const log = exit.code === ExitCode.OK ? this.log.info.bind(this.log) : this.log.error.bind(this.log);
    log({ exitCode: exit.code }, `Executor ${this.options.executorId} stopping: ${exit.reason}`);
    const slots = this.slots;
    this.broadcasts?.close();
    this.blockClients?.close();
    void (async () => {
      try {
        await slots?.stop();
      } catch (e) {
        this.log.warn({ err: { message: (e as Error).message } }, 'task slots did not stop cleanly');
      }
      try {
        await this.blockServer?.close();
      } catch (e) {
        this.log.warn({ err: { message: (e as Error).message } }, 'the block server did not close cleanly');
      }
      this.connection?.close('closed: the executor is stopping');
      this.settle(exit);
    })();
  }

  private transition(from: ExecutorBackendState, to: ExecutorBackendState): void {
    if (this.state !== from) {
      throw new TsparkError(
        'EXECUTOR_INVALID_STATE',
        `executor state transition ${from} -> ${to} from state ${this.state}`,
      );
    }
    this.log.debug({ from, to }, 'executor state');
    this.state = to;
  }
}

/** The routing limits of this application's results (spark.task.maxDirectResultSize, spark.driver.maxResultSize). */
function resultLimits(appConf: Record<string, string>, maxFrameBytes: number | undefined): ResultLimits {
  const conf = new SparkConf(appConf);
  const frame = maxFrameBytes ?? conf.require(Config.RPC_MESSAGE_MAX_SIZE);
  return {
    maxDirectBytes: effectiveMaxDirectResultBytes(conf.require(Config.TASK_MAX_DIRECT_RESULT_SIZE), frame),
    maxResultBytes: conf.require(Config.DRIVER_MAX_RESULT_SIZE),
  };
}
