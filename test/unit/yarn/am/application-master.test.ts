import { describe, expect, it } from 'vitest';
import { TsparkError } from '../../../../src/errors.js';
import { silentLogger } from '../../../../src/log.js';
import type { FinalApplicationStatus } from '../../../../src/hadoop/ipc/protocols/yarn-records.js';
import { YarnAllocator } from '../../../../src/yarn/am/allocator.js';
import { ApplicationMaster, type AmSession, type DriverOutcome } from '../../../../src/yarn/am/application-master.js';
import { AmExitCode } from '../../../../src/yarn/am/exit-codes.js';
import { NmTokenCache } from '../../../../src/yarn/am/nm-tokens.js';
import { completed, FakeLauncher, FakeRm } from './fake-rm.js';

class FakeSession implements AmSession {
  unregistered: Array<{ status: FinalApplicationStatus; diagnostics: string; url: string }> = [];
  registerError: Error | undefined;
  async register() {
    if (this.registerError) throw this.registerError;
    return {
      maximumCapability: { memoryMb: 6144, vcores: 4 },
      applicationAcls: [],
      containersFromPreviousAttempts: [],
      queue: 'default',
      nmTokensFromPreviousAttempts: [],
      schedulerResourceTypes: [],
    };
  }
  async unregister(status: FinalApplicationStatus, diagnostics: string, url: string) {
    this.unregistered.push({ status, diagnostics, url });
  }
}

function setup(
  options: {
    attemptId?: number;
    maxAttempts?: number;
    driver?: () => Promise<DriverOutcome | void>;
    target?: number;
    maxFailures?: number;
    preserve?: boolean;
  } = {},
) {
  const session = new FakeSession();
  const rm = new FakeRm();
  const launcher = new FakeLauncher();
  const events = { cleaned: 0, closed: 0 };
  let allocator: YarnAllocator | undefined;
  const am = new ApplicationMaster({
    session,
    registration: { host: 'nm', rpcPort: -1, trackingUrl: 'http://nm:4040/' },
    createAllocator: () =>
      (allocator = new YarnAllocator({
        rm,
        launcher,
        nmTokens: new NmTokenCache(),
        targetExecutors: options.target ?? 2,
        resource: { memoryMb: 640, vcores: 1 },
        maxExecutorFailures: options.maxFailures ?? 4,
        heartbeatIntervalMs: 20,
        logger: silentLogger(),
      })),
    stopExecutors: async (a) => launcher.stop(a.executorsSnapshot().map((e) => e.container)),
    runDriver: options.driver ?? (async () => {}),
    attemptId: options.attemptId ?? 1,
    maxAttempts: options.maxAttempts ?? 1,
    preserveStagingFiles: options.preserve ?? false,
    cleanupStaging: async () => {
      events.cleaned++;
    },
    close: () => {
      events.closed++;
    },
    logger: silentLogger(),
    now: () => Date.now(),
  });
  return { am, session, rm, launcher, events, allocator: () => allocator };
}

describe('ApplicationMaster lifecycle', () => {
  it('driver returns: stops remaining executors, unregisters SUCCEEDED with its tracking URL, removes staging', async () => {
    let release!: () => void;
    const driverDone = new Promise<void>((r) => (release = r));
    const t = setup({ driver: () => driverDone });
    const run = t.am.run();
    while (!t.allocator() || t.launcher.launched.length < 1) {
      if (t.rm.calls.length > 0 && t.rm.rows.get('1/*') === 2) t.rm.grant(['nm-a']);
      await new Promise((r) => setTimeout(r, 5));
    }
    release();
    expect(await run).toBe(AmExitCode.SUCCESS);
    expect(t.session.unregistered).toEqual([
      { status: 'SUCCEEDED', diagnostics: '', url: 'http://nm:4040/' },
    ]);
    expect(t.launcher.stopped).toEqual(t.launcher.launched.map((l) => l.containerId));
    expect(t.events).toEqual({ cleaned: 1, closed: 1 });
    expect(t.am.currentState).toBe('DONE');
    // The last heartbeat asked for nothing more.
    expect(t.rm.rows.get('1/*')).toBe(0);
  });

  it('a failing driver ends FAILED with the error in the diagnostics', async () => {
    const t = setup({
      driver: async () => {
        throw new Error('slices must be a positive integer');
      },
    });
    expect(await t.am.run()).toBe(AmExitCode.EXCEPTION_USER_CLASS);
    expect(t.session.unregistered).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        diagnostics: 'User application exited with an error: slices must be a positive integer',
      }),
    ]);
  });

  it('a failed attempt that is not the last exits without unregistering or cleaning, so YARN retries', async () => {
    const t = setup({
      attemptId: 1,
      maxAttempts: 2,
      driver: async () => {
        throw new Error('boom');
      },
    });
    expect(await t.am.run()).toBe(AmExitCode.EXCEPTION_USER_CLASS);
    expect(t.session.unregistered).toEqual([]);
    expect(t.events.cleaned).toBe(0);
  });

  it('yarn-client: a FAILED outcome the driver reported ends the application even on a non-last attempt', async () => {
    const t = setup({
      attemptId: 1,
      maxAttempts: 2,
      driver: async () => ({
        status: 'FAILED',
        exitCode: AmExitCode.EXCEPTION_USER_CLASS,
        diagnostics: 'User application exited with an error: boom',
        endsApplication: true,
      }),
    });
    expect(await t.am.run()).toBe(AmExitCode.EXCEPTION_USER_CLASS);
    expect(t.session.unregistered).toEqual([
      { status: 'FAILED', diagnostics: 'User application exited with an error: boom', url: 'http://nm:4040/' },
    ]);
    expect(t.events.cleaned).toBe(1);
  });

  it('yarn-client: a driver outcome of SUCCEEDED unregisters SUCCEEDED', async () => {
    const t = setup({
      driver: async () => ({ status: 'SUCCEEDED', exitCode: AmExitCode.SUCCESS, diagnostics: '', endsApplication: true }),
    });
    expect(await t.am.run()).toBe(AmExitCode.SUCCESS);
    expect(t.session.unregistered.map((u) => u.status)).toEqual(['SUCCEEDED']);
  });

  it('too many executor failures fail the application, naming them; first cause wins', async () => {
    const t = setup({ target: 1, maxFailures: 2, driver: () => new Promise(() => {}) });
    const run = t.am.run();
    for (let failed = 0; failed < 2;) {
      await new Promise((r) => setTimeout(r, 5));
      if ((t.rm.rows.get('1/*') ?? 0) > 0) {
        const [c] = t.rm.grant(['nm-a']);
        while (
          !t.launcher.launched.some((l) => l.containerId.endsWith(String(c!.id.containerId).padStart(6, '0')))
        )
          await new Promise((r) => setTimeout(r, 5));
        t.rm.complete(completed(c!, 1));
        failed++;
      }
    }
    expect(await run).toBe(AmExitCode.MAX_EXECUTOR_FAILURES);
    t.am.finish('SUCCEEDED', AmExitCode.SUCCESS, 'late');
    expect(t.am.finalOutcome?.status).toBe('FAILED');
    expect(t.session.unregistered).toHaveLength(1);
    expect(t.session.unregistered[0]!.diagnostics).toMatch(
      /Max number of executor failures \(2\) reached[\s\S]*exited with code 1/,
    );
  });

  it('registration failure: FAILED with the reason, nothing to unregister, staging removed on the last attempt', async () => {
    const t = setup();
    t.session.registerError = new TsparkError(
      'AM_REGISTRATION_FAILED',
      'cannot reach the ResourceManager scheduler at 127.0.0.1:1',
    );
    expect(await t.am.run()).toBe(AmExitCode.REGISTRATION_FAILED);
    expect(t.am.finalOutcome).toEqual({
      status: 'FAILED',
      exitCode: AmExitCode.REGISTRATION_FAILED,
      diagnostics: 'cannot reach the ResourceManager scheduler at 127.0.0.1:1',
    });
    expect(t.session.unregistered).toEqual([]);
    expect(t.events).toEqual({ cleaned: 1, closed: 1 });
  });

  it('keeps the staging directory when preserved', async () => {
    const t = setup({ preserve: true });
    expect(await t.am.run()).toBe(AmExitCode.SUCCESS);
    expect(t.events.cleaned).toBe(0);
  });

  it('an RM shutdown order stops the AM without unregistering', async () => {
    const t = setup({ driver: () => new Promise(() => {}) });
    t.rm.failNext(new TsparkError('YARN_ATTEMPT_NOT_FOUND', 'ApplicationAttemptNotFoundException'));
    expect(await t.am.run()).toBe(AmExitCode.EARLY);
    expect(t.session.unregistered).toEqual([]);
  });
});
