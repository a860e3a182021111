import { describe, expect, it } from 'vitest';
import { TsparkError } from '../../../../src/errors.js';
import { RemoteErrorCode } from '../../../../src/hadoop/ipc/remote-errors.js';
import { formatContainerId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import { silentLogger } from '../../../../src/log.js';
import {
  AttemptShutdownError,
  INITIAL_ALLOCATION_INTERVAL_MS,
  YarnAllocator,
  type ExecutorExitEvent,
} from '../../../../src/yarn/am/allocator.js';
import { NmTokenCache } from '../../../../src/yarn/am/nm-tokens.js';
import { completed, FakeLauncher, FakeRm } from './fake-rm.js';

function setup(options: { target?: number; maxFailures?: number; stderr?: string } = {}) {
  const rm = new FakeRm();
  const launcher = new FakeLauncher();
  const nmTokens = new NmTokenCache();
  const exits: ExecutorExitEvent[] = [];
  const allocator = new YarnAllocator({
    rm,
    launcher,
    nmTokens,
    targetExecutors: options.target ?? 3,
    resource: { memoryMb: 1408, vcores: 2 },
    maxExecutorFailures: options.maxFailures ?? 6,
    heartbeatIntervalMs: 3000,
    logger: silentLogger(),
    stderrTail: options.stderr === undefined ? undefined : async () => options.stderr,
    onExecutorExit: (e) => exits.push(e),
  });
  const beat = async () => {
    const r = await allocator.allocateResources(0.5);
    await allocator.settled();
    return r;
  };
  return { rm, launcher, nmTokens, allocator, exits, beat };
}

const id = formatContainerId;

describe('YarnAllocator: asks', () => {
  it('asks for the target once as an absolute ANY row with memory + overhead and cores', async () => {
    const { rm, beat } = setup({ target: 3 });
    await beat();
    expect(rm.lastAsk()).toEqual([
      expect.objectContaining({
        priority: 1,
        resourceName: '*',
        numContainers: 3,
        capability: { memoryMb: 1408, vcores: 2 },
        relaxLocality: true,
      }),
    ]);
    await beat();
    await beat();
    // Unchanged totals are not re-sent (re-sending 3 while allocations are in flight would over-ask).
    expect(rm.calls.slice(1).map((c) => c.ask)).toEqual([[], []]);
    expect(rm.rows.get('1/*')).toBe(3);
  });

  it('launches what the RM grants and keeps its local count equal to the RM row', async () => {
    const { rm, launcher, allocator, nmTokens, beat } = setup({ target: 3 });
    await beat();
    const granted = rm.grant(['nm-a', 'nm-b']);
    await beat();
    expect(launcher.launched.map((l) => l.containerId)).toEqual(granted.map((c) => id(c.id)));
    expect(launcher.launched.map((l) => l.executorId)).toEqual(['1', '2']);
    expect(nmTokens.get({ host: 'nm-a', port: 45454 })?.kind).toBe('NMToken');
    // RM row: 3 - 2 = 1; ours too, so nothing is sent.
    expect(allocator.numPending).toBe(rm.rows.get('1/*'));
    expect(rm.lastAsk()).toEqual([]);
    expect(allocator.numRunning).toBe(2);
    rm.grant(['nm-a']);
    await beat();
    expect(allocator.numExecutors).toBe(3);
    expect(allocator.numPending).toBe(0);
    expect(rm.rows.get('1/*')).toBe(0);
  });

  it('releases surplus containers, and their completion counts as nothing', async () => {
    const { rm, launcher, allocator, exits, beat } = setup({ target: 2 });
    await beat();
    const granted = rm.grant(['nm-a', 'nm-b', 'nm-a'], { beyondAsk: true });
    await beat();
    expect(launcher.launched).toHaveLength(2);
    await beat(); // the release travels with the next heartbeat
    expect(rm.released).toEqual([id(granted[2]!.id)]);
    rm.complete(completed(granted[2]!, -100, 'Container released by the application'));
    await beat();
    expect(exits).toEqual([]);
    expect(allocator.executorFailures).toHaveLength(0);
    expect(allocator.numReleasing).toBe(0);
  });

  it('releases containers of an unexpected priority', async () => {
    const { rm, launcher, beat } = setup({ target: 1 });
    await beat();
    const [odd] = rm.grant(['nm-a'], { priority: 5, beyondAsk: true });
    await beat();
    await beat();
    expect(launcher.launched).toEqual([]);
    expect(rm.released).toEqual([id(odd!.id)]);
  });
});

describe('YarnAllocator: executor exits', () => {
  it('replaces a failed executor, counts the failure and names it', async () => {
    const { rm, allocator, exits, beat } = setup({ target: 2, stderr: 'line 1\nline 2\nError: boom\n' });
    await beat();
    const [a, b] = rm.grant(['nm-a', 'nm-b']);
    await beat();
    rm.complete(completed(a!, 1, 'Exception from container-launch.'));
    await beat();
    expect(exits).toEqual([
      expect.objectContaining({
        kind: 'failed',
        executorId: '1',
        containerId: id(a!.id),
        node: 'nm-a:45454',
        replaced: true,
      }),
    ]);
    expect(exits[0]!.reason).toContain('exited with code 1');
    expect(exits[0]!.reason).toContain('Error: boom');
    expect(allocator.executorFailures).toHaveLength(1);
    // The replacement is asked for with the next heartbeat: total = 2 targets - 1 running = 1.
    await beat();
    expect(rm.lastAsk().map((r) => r.numContainers)).toEqual([1]);
    rm.grant(['nm-a']);
    await beat();
    expect(allocator.numExecutors).toBe(2);
    expect(
      allocator
        .executorsSnapshot()
        .map((e) => e.executorId)
        .sort(),
    ).toEqual(['2', '3']);
    expect(b).toBeDefined();
  });

  it('does not replace an executor that exited 0, and does not count it', async () => {
    const { rm, allocator, exits, beat } = setup({ target: 3 });
    await beat();
    const granted = rm.grant(['nm-a', 'nm-b', 'nm-a']);
    await beat();
    rm.complete(...granted.map((c) => completed(c, 0)));
    await beat();
    expect(exits.map((e) => e.kind)).toEqual(['finished', 'finished', 'finished']);
    expect(allocator.targetExecutors).toBe(0);
    expect(allocator.executorFailures).toHaveLength(0);
    expect(rm.rows.get('1/*')).toBe(0);
    expect(allocator.numExecutors).toBe(0);
  });

  it('replaces executors lost to YARN (node lost, preemption) without counting them', async () => {
    const { rm, allocator, exits, beat } = setup({ target: 2 });
    await beat();
    const [a, b] = rm.grant(['nm-a', 'nm-b']);
    await beat();
    rm.complete(
      completed(a!, -100, 'Container released on a *lost* node'),
      completed(b!, -102, 'Container preempted by scheduler'),
    );
    await beat();
    expect(exits.map((e) => [e.kind, e.replaced])).toEqual([
      ['lost', true],
      ['lost', true],
    ]);
    expect(exits[0]!.reason).toContain('node lost');
    expect(exits[1]!.reason).toContain('preempted');
    expect(allocator.executorFailures).toHaveLength(0);
    await beat();
    expect(rm.lastAsk().map((r) => r.numContainers)).toEqual([2]);
  });

  it('explains a physical-memory kill with the key to raise', async () => {
    const { rm, exits, beat } = setup({ target: 1 });
    await beat();
    const [a] = rm.grant(['nm-a']);
    await beat();
    rm.complete(completed(a!, -104, 'Container killed on request. Exit code is 143'));
    await beat();
    expect(exits[0]!.kind).toBe('failed');
    expect(exits[0]!.reason).toMatch(
      /killed for exceeding physical memory.*raise spark\.executor\.memoryOverhead/,
    );
  });

  it('counts a failed launch, releases that container and asks for another', async () => {
    const { rm, launcher, allocator, exits, beat } = setup({ target: 1 });
    await beat();
    launcher.failWith = new Error('NodeManager nm-a:45454 refused to start it');
    const [a] = rm.grant(['nm-a']);
    await beat();
    expect(exits).toEqual([expect.objectContaining({ kind: 'failed', executorId: '1', replaced: true })]);
    expect(exits[0]!.reason).toContain('could not be started: NodeManager nm-a:45454 refused');
    expect(allocator.executorFailures).toHaveLength(1);
    await beat();
    expect(rm.released).toEqual([id(a!.id)]);
    expect(rm.rows.get('1/*')).toBe(1);
  });

  it('reaches the failure limit (default max(2 x executors, 3)) and then asks for nothing', async () => {
    const target = 2;
    const max = Math.max(2 * target, 3);
    const { rm, allocator, exits, beat } = setup({ target, maxFailures: max });
    await beat();
    let failures = 0;
    while (!allocator.failureLimitReached) {
      const granted = rm.grant(
        Array.from({ length: rm.rows.get('1/*') ?? 0 }, (_, i) => (i % 2 ? 'nm-b' : 'nm-a')),
      );
      await beat();
      rm.complete(...granted.map((c) => completed(c, 1)));
      failures += granted.length;
      await beat();
      if (failures > 20) throw new Error('never reached the limit');
    }
    expect(allocator.executorFailures.length).toBeGreaterThanOrEqual(max);
    expect(exits.filter((e) => e.kind === 'failed')).toHaveLength(allocator.executorFailures.length);
    expect(exits.at(-1)!.replaced).toBe(false);
    const diagnostics = allocator.failureDiagnostics();
    expect(diagnostics).toContain(`Max number of executor failures (${max}) reached`);
    expect(diagnostics).toMatch(
      /executor \d+ \(container_1700000000000_0007_01_\d{6} on nm-[ab]:45454\) exited with code 1/,
    );
    expect(rm.rows.get('1/*')).toBe(0);
  });
});

describe('YarnAllocator: RM commands and stop', () => {
  it('resyncs: registers again, resends the whole ask table and pending releases', async () => {
    const { rm, beat } = setup({ target: 2 });
    await beat();
    const granted = rm.grant(['nm-a', 'nm-b', 'nm-a'], { beyondAsk: true });
    await beat(); // two launched, one to release
    rm.failNext(
      new TsparkError(RemoteErrorCode.AM_NOT_REGISTERED, 'ApplicationMasterNotRegisteredException'),
    );
    await beat();
    expect(rm.reRegistrations).toBe(1);
    const last = rm.calls.at(-1)!;
    expect(last.ask?.map((r) => [r.resourceName, r.numContainers])).toEqual([['*', 0]]);
    expect(last.release?.map(id)).toEqual([id(granted[2]!.id)]);
  });

  it('turns ApplicationAttemptNotFound into a shutdown', async () => {
    const { rm, allocator } = setup();
    rm.failNext(new TsparkError(RemoteErrorCode.ATTEMPT_NOT_FOUND, 'gone'));
    await expect(allocator.allocateResources(0)).rejects.toBeInstanceOf(AttemptShutdownError);
  });

  it('after stop() asks for 0 and releases what still arrives', async () => {
    const { rm, launcher, allocator, beat } = setup({ target: 3 });
    await beat();
    allocator.stop();
    const late = rm.grant(['nm-a']);
    await beat();
    expect(rm.lastAsk().map((r) => r.numContainers)).toEqual([0]);
    await beat();
    expect(launcher.launched).toEqual([]);
    expect(rm.released).toEqual([id(late[0]!.id)]);
  });

  it('heartbeats fast (200 ms, doubling) while containers are pending, at the interval when idle', async () => {
    const { rm, allocator, beat } = setup({ target: 1 });
    await beat();
    const delays = [1, 2, 3, 4, 5].map(() => allocator.nextHeartbeatDelayMs());
    const expected = [0, 1, 2, 3, 4].map((k) => Math.min(INITIAL_ALLOCATION_INTERVAL_MS * 2 ** k, 3000));
    expect(delays).toEqual(expected);
    rm.grant(['nm-a']);
    await beat();
    expect(allocator.nextHeartbeatDelayMs()).toBe(3000);
  });

  it('heartbeats at the fast interval, without doubling, while stopped executors still run', async () => {
    const { rm, allocator, beat } = setup({ target: 1 });
    await beat();
    rm.grant(['nm-a']);
    await beat();
    expect(allocator.nextHeartbeatDelayMs()).toBe(3000);
    allocator.stop();
    const delays = [1, 2, 3, 4, 5].map(() => allocator.nextHeartbeatDelayMs());
    expect(delays).toEqual([1, 2, 3, 4, 5].map(() => INITIAL_ALLOCATION_INTERVAL_MS));
  });
});
