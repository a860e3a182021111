import { isTsparkError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type {
  FinalApplicationStatus,
  RegisterApplicationMasterRequest,
  RegisterApplicationMasterResponse,
} from '../../hadoop/ipc/protocols/yarn-records.js';
import { AttemptShutdownError, type YarnAllocator } from './allocator.js';
import { AmExitCode, type AmExitCodeValue } from './exit-codes.js';

/**
 * The ApplicationMaster's lifecycle (Spark's ApplicationMaster, split):
 * register, run the allocator heartbeat and the driver side by side, and on
 * the first end cause — the driver returned or threw, too many executor
 * failures, the heartbeat failed, the RM ordered a shutdown, a signal —
 * stop executors, unregister and clean up. `finish()` is idempotent: the
 * first cause wins and later ones are only logged.
 *
 * Unregistering is final for the application, so, as Spark does, a failed
 * attempt that is not the last one exits without unregistering and YARN
 * starts the next attempt. The staging directory is removed only when the
 * application is over (success, or the last attempt), unless preserved.
 *
 * States: NEW -> REGISTERING -> RUNNING -> FINISHING -> DONE; any state
 * before FINISHING may go straight to FINISHING.
 */

export type AmState = 'NEW' | 'REGISTERING' | 'RUNNING' | 'FINISHING' | 'DONE';

const TRANSITIONS: Record<AmState, readonly AmState[]> = {
  NEW: ['REGISTERING', 'FINISHING'],
  REGISTERING: ['RUNNING', 'FINISHING'],
  RUNNING: ['FINISHING'],
  FINISHING: ['DONE'],
  DONE: [],
};

/** Heartbeat failures in a row (transport errors) before the AM gives up, as Spark's reporter does. */
export const MAX_REPORTER_FAILURES = 5;
/**
 * How long executors get to exit on their own once the driver is done,
 * before they are stopped. 0: in cluster mode the driver's backend already
 * sent StopExecutor and waited for the containers to complete
 * (YarnExecutorLauncher.stop), and the stop-gap command listens to no one.
 */
export const EXECUTOR_EXIT_GRACE_MS = 0;

export interface AmSession {
  register(request: RegisterApplicationMasterRequest): Promise<RegisterApplicationMasterResponse>;
  unregister(finalStatus: FinalApplicationStatus, diagnostics: string, trackingUrl: string): Promise<void>;
}

export interface FinalOutcome {
  status: FinalApplicationStatus;
  exitCode: AmExitCodeValue;
  diagnostics: string;
  /**
   * Unregister even when this is not the last attempt: another attempt
   * could not change the outcome (yarn-client: the driver reported the end,
   * or is gone).
   */
  endsApplication?: boolean;
}

/** How the driver ended, when it decides more than "returned" (SUCCEEDED) or "threw" (FAILED). */
export type DriverOutcome = FinalOutcome;

export interface ApplicationMasterOptions {
  session: AmSession;
  registration: RegisterApplicationMasterRequest;
  /** Builds the allocator once registered (the response carries the cluster's maximum container). */
  createAllocator: (registration: RegisterApplicationMasterResponse) => YarnAllocator;
  /** Stops executor containers still running after the grace period. */
  stopExecutors: (allocator: YarnAllocator) => Promise<void>;
  /**
   * The driver: in cluster mode the user's main, resolving when it returns;
   * in client mode the link to the remote driver, resolving with the outcome
   * the driver reported.
   */
  runDriver: () => Promise<DriverOutcome | void>;
  attemptId: number;
  maxAttempts: number;
  preserveStagingFiles: boolean;
  cleanupStaging: () => Promise<void>;
  /** Closes connections and servers at the very end. */
  close: () => Promise<void> | void;
  logger: Logger;
  now: () => number;
  executorExitGraceMs?: number;
  progress?: () => number;
}

export class ApplicationMaster {
  private state: AmState = 'NEW';
  private outcome: FinalOutcome | undefined;
  private registered = false;
  private shutdownByRm = false;
  private allocator: YarnAllocator | undefined;
  private reporterDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private resolveFinished!: () => void;
  private readonly finished = new Promise<void>((r) => (this.resolveFinished = r));
  private readonly log: Logger;

  constructor(private readonly options: ApplicationMasterOptions) {
    this.log = options.logger.child({ component: 'am' });
  }

  get currentState(): AmState {
    return this.state;
  }

  get finalOutcome(): FinalOutcome | undefined {
    return this.outcome;
  }

  get isLastAttempt(): boolean {
    return this.options.attemptId >= this.options.maxAttempts;
  }

  private transitionTo(next: AmState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new Error(`ApplicationMaster cannot go from ${this.state} to ${next}`);
    }
    this.log.debug({ from: this.state, to: next }, 'ApplicationMaster state');
    this.state = next;
  }

  /** Records the end of the application; the first call wins. */
  finish(
    status: FinalApplicationStatus,
    exitCode: AmExitCodeValue,
    diagnostics: string,
    options: { endsApplication?: boolean } = {},
  ): void {
    if (this.outcome) {
      this.log.info(
        { status, exitCode, diagnostics, first: this.outcome.status },
        'Final status already decided; ignoring a later cause',
      );
      return;
    }
    this.outcome = {
      status,
      exitCode,
      diagnostics,
      ...(options.endsApplication ? { endsApplication: true } : {}),
    };
    const level = status === 'SUCCEEDED' ? 'info' : 'error';
    this.log[level](
      { finalStatus: status, exitCode },
      `Final app status: ${status}, exitCode: ${exitCode}${diagnostics ? `, (reason: ${diagnostics})` : ''}`,
    );
    this.resolveFinished();
    this.wake?.();
  }

  /** Ends the current wait between allocate heartbeats (the next delay is the allocator's to say). */
  heartbeatNow(): void {
    this.wake?.();
  }

  /** Runs the application to its end and returns the process exit code. */
  async run(): Promise<AmExitCodeValue> {
    try {
      this.transitionTo('REGISTERING');
      const registration = await this.options.session.register(this.options.registration);
      this.registered = true;
      if (!this.outcome) {
        this.transitionTo('RUNNING');
        this.allocator = this.options.createAllocator(registration);
        this.reporterDone = this.reporter(this.allocator);
        this.options.runDriver().then(
          (o) =>
            o
              ? this.finish(o.status, o.exitCode, o.diagnostics, {
                  endsApplication: o.endsApplication === true,
                })
              : this.finish('SUCCEEDED', AmExitCode.SUCCESS, ''),
          (e: unknown) =>
            this.finish(
              'FAILED',
              AmExitCode.EXCEPTION_USER_CLASS,
              `User application exited with an error: ${messageOf(e)}`,
            ),
        );
      }
      await this.finished;
    } catch (e) {
      const code =
        this.state === 'REGISTERING' ? AmExitCode.REGISTRATION_FAILED : AmExitCode.UNCAUGHT_EXCEPTION;
      this.finish('FAILED', code, messageOf(e));
    }
    await this.shutdown();
    return this.outcome!.exitCode;
  }

  private async reporter(allocator: YarnAllocator): Promise<void> {
    let failuresInARow = 0;
    while (!this.outcome) {
      try {
        await allocator.allocateResources(this.options.progress?.() ?? 0.1);
        failuresInARow = 0;
      } catch (e) {
        if (this.outcome) break;
        if (e instanceof AttemptShutdownError) {
          this.shutdownByRm = true;
          this.finish('FAILED', AmExitCode.EARLY, e.message);
          break;
        }
        failuresInARow++;
        const retriable = isTsparkError(e) && e.retriable;
        this.log.warn({ err: messageOf(e), failuresInARow }, 'allocate heartbeat failed');
        if (!retriable || failuresInARow >= MAX_REPORTER_FAILURES) {
          this.finish(
            'FAILED',
            AmExitCode.REPORTER_FAILURE,
            `the allocate heartbeat to the ResourceManager failed ${failuresInARow} time(s): ${messageOf(e)}`,
          );
          break;
        }
      }
      if (allocator.failureLimitReached) {
        this.finish('FAILED', AmExitCode.MAX_EXECUTOR_FAILURES, allocator.failureDiagnostics());
        break;
      }
      await this.pause(allocator.nextHeartbeatDelayMs());
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Executors exit, the RM is told (when this attempt may end the application), staging goes. */
  private async shutdown(): Promise<void> {
    const outcome = this.outcome!;
    this.transitionTo('FINISHING');
    this.wake?.();
    // The heartbeat loop sees the outcome and stops; never two allocate calls at once.
    await this.reporterDone;
    try {
      if (this.allocator && !this.shutdownByRm) await this.drainExecutors(this.allocator);
    } catch (e) {
      this.log.warn({ err: messageOf(e) }, 'Stopping executors failed');
    }
    const final = outcome.status === 'SUCCEEDED' || this.isLastAttempt || outcome.endsApplication === true;
    if (this.registered && !this.shutdownByRm) {
      if (final) {
        try {
          await this.options.session.unregister(
            outcome.status,
            outcome.diagnostics,
            this.options.registration.trackingUrl,
          );
        } catch (e) {
          this.log.error({ err: messageOf(e) }, 'Could not unregister from the ResourceManager');
        }
      } else {
        this.log.warn(
          { attemptId: this.options.attemptId, maxAttempts: this.options.maxAttempts },
          'Not unregistering: this is not the last attempt, so YARN will start another one',
        );
      }
    }
    if (final && !this.options.preserveStagingFiles) {
      await this.options
        .cleanupStaging()
        .catch((e: unknown) =>
          this.log.warn({ err: messageOf(e) }, 'Could not delete the staging directory'),
        );
    }
    try {
      await this.options.close();
    } finally {
      this.transitionTo('DONE');
    }
  }

  /** Asks for nothing more, lets executors exit on their own for a grace period, then stops the rest. */
  private async drainExecutors(allocator: YarnAllocator): Promise<void> {
    allocator.stop();
    await allocator.settled();
    const grace = this.options.executorExitGraceMs ?? EXECUTOR_EXIT_GRACE_MS;
    const deadline = this.options.now() + grace;
    while (allocator.numExecutors > 0 && this.options.now() < deadline) {
      await allocator.allocateResources(1);
      if (allocator.numExecutors === 0) break;
      await new Promise((r) =>
        setTimeout(r, Math.min(allocator.nextHeartbeatDelayMs(), Math.max(0, deadline - this.options.now()))),
      );
    }
    if (allocator.numExecutors > 0) {
      this.log.info({ executors: allocator.numExecutors }, 'Stopping executors that are still running');
      await this.options.stopExecutors(allocator);
    }
    // One last heartbeat sends releases and collects completions.
    await allocator.allocateResources(1);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
