import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log.js';
import { YarnAllocator } from '../../../../src/yarn/am/allocator.js';
import { clientModeFirstExecutorId, EXECUTOR_IDS_PER_ATTEMPT } from '../../../../src/yarn/am/driver-link.js';
import { NmTokenCache } from '../../../../src/yarn/am/nm-tokens.js';
import { FakeLauncher, FakeRm } from './fake-rm.js';

/**
 * yarn-client: the driver outlives ApplicationMaster attempts and refuses an
 * executor id it has seen, so each attempt numbers its executors from its own
 * range.
 */
describe('executor ids across client-mode AM attempts', () => {
  it('attempt N starts at (N - 1) x EXECUTOR_IDS_PER_ATTEMPT + 1', () => {
    expect(clientModeFirstExecutorId(1)).toBe(1);
    expect(clientModeFirstExecutorId(2)).toBe(EXECUTOR_IDS_PER_ATTEMPT + 1);
    expect(clientModeFirstExecutorId(3)).toBe(2 * EXECUTOR_IDS_PER_ATTEMPT + 1);
  });

  it('the allocator names the executors it launches from its first id on', async () => {
    const rm = new FakeRm();
    const launcher = new FakeLauncher();
    const allocator = new YarnAllocator({
      rm,
      launcher,
      nmTokens: new NmTokenCache(),
      targetExecutors: 2,
      resource: { memoryMb: 640, vcores: 1 },
      maxExecutorFailures: 3,
      heartbeatIntervalMs: 3000,
      logger: silentLogger(),
      firstExecutorId: clientModeFirstExecutorId(2),
    });
    await allocator.allocateResources(0.1);
    rm.grant(['nm-a', 'nm-b']);
    await allocator.allocateResources(0.1);
    await allocator.settled();
    expect(launcher.launched.map((l) => l.executorId)).toEqual(['100001', '100002']);
  });
});
