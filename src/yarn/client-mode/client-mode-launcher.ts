import type { ExecutorLauncher } from '../../core/scheduler/cluster/cluster-backend.js';
import type { Logger } from '../../log.js';
import type { RpcConnection, RpcHandler } from '../../rpc/rpc-connection.js';
import type { LocalityPreferences } from '../../core/scheduler/backend.js';
import {
  AmLinkMsg,
  type AmFinish,
  type AmLocalityPreferences,
  type AmRegistered,
} from './am-link-protocol.js';

/**
 * The driver's executor launcher in yarn-client mode. The driver runs in
 * tspark-submit; its executors come from an ApplicationMaster on the cluster
 * that only launches them (Spark's ExecutorLauncher). So "launch" here means:
 * once the driver endpoint listens, stage and submit that AM with the
 * endpoint's address in its configuration. The AM then dials the same
 * endpoint (handlers below): it registers, reports executor containers that
 * ended (so an executor that could not reach the driver fails the wait for
 * executors at once, with its reason), is sent the pending tasks' preferred
 * hosts whenever they change (checked every LOCALITY_CHECK_INTERVAL_MS; the
 * AM places the containers it asks for next on them), and is told how the
 * application ended when the driver stops.
 */

/** How often the driver checks whether its pending tasks' preferred hosts changed. */
export const LOCALITY_CHECK_INTERVAL_MS = 500;

/** How long stop() waits for the AM to acknowledge AM_FINISH. */
export const AM_FINISH_ACK_TIMEOUT_MS = 10_000;

export interface ClientModeLauncherOptions {
  /** Stages and submits the ApplicationMaster for a driver endpoint at this address. */
  submit: (driver: { host: string; port: number }) => Promise<void>;
  logger: Logger;
  finishAckTimeoutMs?: number;
  localityCheckIntervalMs?: number;
}

export class ClientModeLauncher implements ExecutorLauncher {
  private onExit: ((executorId: string, reason: string) => void) | undefined;
  private am: { connection: RpcConnection; attemptId: number } | undefined;
  private failure: string | undefined;
  private finishSent = false;
  private finishAcknowledged = false;
  private localitySource: (() => LocalityPreferences) | undefined;
  private localityTimer: NodeJS.Timeout | undefined;
  private lastLocalitySent: string | undefined;
  /** Why the submission failed, when it did (the driver then has no executors). */
  submitError: unknown;

  constructor(private readonly options: ClientModeLauncherOptions) {}

  /** Handlers the driver endpoint installs for the AM's messages. */
  get handlers(): ReadonlyMap<string, RpcHandler> {
    return new Map<string, RpcHandler>([
      [
        AmLinkMsg.AM_REGISTER,
        (m, ctx) => {
          const attemptId = Number(m.attemptId);
          if (this.am && this.am.connection !== ctx.connection) {
            this.options.logger.warn(
              { previousAttempt: this.am.attemptId, attemptId },
              'A new ApplicationMaster attempt registered; it replaces the previous one',
            );
          }
          this.am = { connection: ctx.connection, attemptId };
          // a new attempt knows nothing yet: send the current preferences once the answer is out
          this.lastLocalitySent = undefined;
          this.startLocalityUpdates();
          ctx.connection.once('closed', (cause) => {
            if (this.am?.connection !== ctx.connection) return;
            this.am = undefined;
            this.stopLocalityUpdates();
            this.options.logger.info(
              { attemptId, cause: cause.message },
              'The ApplicationMaster disconnected',
            );
          });
          this.options.logger.info(
            { appId: m.appId, attemptId, host: m.host },
            `ApplicationMaster (attempt ${attemptId}) on ${String(m.host)} registered with the driver`,
          );
          return { type: AmLinkMsg.AM_REGISTERED } satisfies AmRegistered;
        },
      ],
      [
        AmLinkMsg.AM_EXECUTOR_EXITED,
        (m) => {
          this.onExit?.(String(m.executorId), String(m.reason));
        },
      ],
    ]);
  }

  /** The driver's backend reports its pending tasks' preferred hosts. */
  useLocalitySource(source: () => LocalityPreferences): void {
    this.localitySource = source;
  }

  private startLocalityUpdates(): void {
    if (!this.localitySource || this.localityTimer) return;
    this.localityTimer = setInterval(
      () => this.sendLocalityIfChanged(),
      this.options.localityCheckIntervalMs ?? LOCALITY_CHECK_INTERVAL_MS,
    );
    this.localityTimer.unref();
    setImmediate(() => this.sendLocalityIfChanged());
  }

  private stopLocalityUpdates(): void {
    clearInterval(this.localityTimer);
    this.localityTimer = undefined;
  }

  /** Sends AM_LOCALITY_PREFERENCES when they differ from what the AM last got. */
  private sendLocalityIfChanged(): void {
    const am = this.am;
    if (!am || !am.connection.isOpen || this.finishSent || !this.localitySource) return;
    let preferences: LocalityPreferences;
    try {
      preferences = this.localitySource();
    } catch {
      return;
    }
    const key = localityKey(preferences);
    if (key === this.lastLocalitySent) return;
    const message: AmLocalityPreferences = {
      type: AmLinkMsg.AM_LOCALITY_PREFERENCES,
      numLocalityAwareTasks: preferences.numLocalityAwareTasks,
      hostToLocalTaskCount: preferences.hostToLocalTaskCount,
    };
    am.connection.send(message);
    this.lastLocalitySent = key;
  }

  /** The AM acknowledged our final status: its end on YARN is the one we asked for. */
  get amToldToFinish(): boolean {
    return this.finishAcknowledged;
  }

  get amConnected(): boolean {
    return this.am !== undefined;
  }

  async launch(
    driver: { host: string; port: number },
    _secret: Buffer,
    onExit: (executorId: string, reason: string) => void,
  ): Promise<void> {
    // the secret reaches the AM and executors in the launch context's credentials, never here
    this.onExit = onExit;
    try {
      await this.options.submit(driver);
    } catch (e) {
      // Never reject: the backend is already waiting for executors; end that wait with the reason.
      this.submitError = e;
      onExit('(none)', `was never started: the application could not be submitted to YARN: ${messageOf(e)}`);
    }
  }

  /** The YARN application ended while the driver still runs: its wait for executors ends too. */
  applicationEnded(description: string): void {
    this.onExit?.('(none)', `will not start: ${description}`);
  }

  /** The user's main failed: the AM reports FAILED with this (first failure wins). */
  recordFailure(diagnostics: string): void {
    this.failure ??= diagnostics;
  }

  /**
   * Called by the backend once executors were told to stop (sc.stop(), or
   * after main): the AM is told how the application ended, before the
   * endpoint closes. A stop without a recorded failure is a success, as in
   * Spark (a user calling sc.stop() at the end of main).
   */
  async stop(_timeoutMs: number): Promise<void> {
    await this.finishAm();
  }

  /** The AM gets no final status from us (it is being killed, or is gone). */
  abandonFinish(): void {
    this.finishSent = true;
  }

  /** Sends AM_FINISH once and waits (bounded) for the acknowledgement. */
  async finishAm(): Promise<boolean> {
    const am = this.am;
    this.stopLocalityUpdates();
    if (this.finishSent || !am || !am.connection.isOpen) return false;
    this.finishSent = true;
    const finish: AmFinish =
      this.failure === undefined
        ? { type: AmLinkMsg.AM_FINISH, status: 'SUCCEEDED', diagnostics: '' }
        : { type: AmLinkMsg.AM_FINISH, status: 'FAILED', diagnostics: this.failure };
    try {
      await am.connection.request(finish, {
        timeoutMs: this.options.finishAckTimeoutMs ?? AM_FINISH_ACK_TIMEOUT_MS,
      });
      this.finishAcknowledged = true;
      this.options.logger.info({ status: finish.status }, 'Told the ApplicationMaster to finish');
      return true;
    } catch (e) {
      this.options.logger.warn(
        { err: messageOf(e) },
        'The ApplicationMaster did not acknowledge the final status; it will see the driver disconnect',
      );
      return false;
    }
  }
}

/** A stable text of the preferences, to tell whether they changed. */
function localityKey(p: LocalityPreferences): string {
  const hosts = Object.entries(p.hostToLocalTaskCount).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([p.numLocalityAwareTasks, hosts]);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
