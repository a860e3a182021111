import { describe, expect, it } from 'vitest';
import type { LocalityPreferences } from '../../../../src/core/scheduler/backend.js';
import { TsparkError } from '../../../../src/errors.js';
import { RemoteErrorCode } from '../../../../src/hadoop/ipc/remote-errors.js';
import { formatContainerId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import { silentLogger } from '../../../../src/log.js';
import { YarnAllocator } from '../../../../src/yarn/am/allocator.js';
import { placeNewContainers } from '../../../../src/yarn/am/container-placement.js';
import { NmTokenCache } from '../../../../src/yarn/am/nm-tokens.js';
import { completed, FakeLauncher, FakeRm } from './fake-rm.js';

/**
 * Locality-aware container requests: new containers (replacements, growth)
 * are asked for on the hosts the driver's pending tasks prefer, as node rows
 * with their rack row and the '*' total; the fake RM keeps and decrements the
 * table as the scheduler does, so the tests check what the RM would hold and
 * that no container beyond what was wanted is handed out.
 */

function prefs(hosts: Record<string, number>, tasks?: number): LocalityPreferences {
  return {
    numLocalityAwareTasks: tasks ?? Object.values(hosts).reduce((a, b) => a + b, 0),
    hostToLocalTaskCount: hosts,
  };
}

function setup(target: number, options: { tasksPerExecutor?: number } = {}) {
  const rm = new FakeRm();
  const launcher = new FakeLauncher();
  const state = { preferences: prefs({}) };
  const allocator = new YarnAllocator({
    rm,
    launcher,
    nmTokens: new NmTokenCache(),
    targetExecutors: target,
    resource: { memoryMb: 1408, vcores: 2 },
    maxExecutorFailures: 20,
    heartbeatIntervalMs: 3000,
    logger: silentLogger(),
    localityPreferences: () => state.preferences,
    ...(options.tasksPerExecutor === undefined ? {} : { tasksPerExecutor: options.tasksPerExecutor }),
  });
  const beat = async () => {
    const r = await allocator.allocateResources(0.5);
    await allocator.settled();
    return r;
  };
  /** The rows of the last call as name -> containers. */
  const lastRows = () => Object.fromEntries(rm.lastAsk().map((r) => [r.resourceName, r.numContainers]));
  /** Non-zero rows the RM holds at priority 1. */
  const rmRows = () =>
    Object.fromEntries([...rm.rows].filter(([, n]) => n > 0).map(([k, n]) => [k.slice(2), n]));
  return { rm, launcher, allocator, state, beat, lastRows, rmRows };
}

/** Brings `hosts.length` executors up on those hosts (no preferences yet). */
async function running(s: ReturnType<typeof setup>, hosts: string[]) {
  await s.beat();
  const containers = s.rm.grant(hosts);
  await s.beat();
  expect(s.allocator.numRunning).toBe(hosts.length);
  return containers;
}

describe('placeNewContainers', () => {
  it('shares the new containers among the preferred hosts in proportion to their pending tasks', () => {
    expect(placeNewContainers(3, prefs({ a: 4, b: 2 }), 1)).toEqual(['a', 'a', 'b']);
    expect(placeNewContainers(4, prefs({ b: 1, a: 1, c: 2 }), 1)).toEqual(['c', 'c', 'a', 'b']);
  });

  it('asks anywhere for what the locality-aware tasks cannot fill (tasks / tasks per executor, rounded up)', () => {
    expect(placeNewContainers(3, prefs({ a: 1 }), 1)).toEqual(['a', undefined, undefined]);
    // 5 tasks, 2 per executor: 3 executors' worth
    expect(placeNewContainers(4, prefs({ a: 5 }), 2)).toEqual(['a', 'a', 'a', undefined]);
  });

  it('places nothing without preferences, and ties go to the host with more tasks, then by name', () => {
    expect(placeNewContainers(2, prefs({}), 1)).toEqual([undefined, undefined]);
    expect(placeNewContainers(0, prefs({ a: 3 }), 1)).toEqual([]);
    expect(placeNewContainers(1, prefs({ b: 1, a: 1 }), 1)).toEqual(['a']);
    expect(placeNewContainers(1, prefs({ a: 1, b: 2 }, 2), 1)).toEqual(['b']);
  });
});

describe('YarnAllocator: locality-aware requests', () => {
  it('asks only for * while no task prefers a host', async () => {
    const s = setup(2);
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 2 });
  });

  it('asks for replacements of lost executors on the preferred hosts: node rows, their rack row, the * total', async () => {
    const s = setup(4, { tasksPerExecutor: 1 });
    const [a, b, c] = await running(s, ['nm-a', 'nm-b', 'nm-c', 'nm-d']);
    s.rm.complete(completed(a!, 137), completed(b!, 137), completed(c!, 1));
    await s.beat(); // exits seen; the replacement ask goes with the next heartbeat
    s.state.preferences = prefs({ 'nm-a': 4, 'nm-b': 2 }, 5);
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 3, 'nm-a': 2, 'nm-b': 1, '/default-rack': 3 });
    expect(s.allocator.pendingByHost).toEqual({ 'nm-a': 2, 'nm-b': 1 });
    expect(s.lastRows()['*']).toBe(s.allocator.numPending);

    // the RM fills them where asked (node-local): every row reaches 0, nothing is re-sent or released
    s.rm.grant(['nm-b', 'nm-a', 'nm-a']);
    await s.beat();
    expect(s.rmRows()).toEqual({});
    expect(s.allocator.numExecutors).toBe(4);
    const replacements = s.allocator.executorsSnapshot().filter((e) => Number(e.executorId) > 4);
    expect(replacements.map((e) => e.requestedHost).sort()).toEqual(['nm-a', 'nm-a', 'nm-b']);
    await s.beat();
    expect(s.rm.lastAsk()).toEqual([]);
    expect(s.rm.released).toEqual([]);
  });

  it('does not re-send or re-place outstanding requests when the preferences change (no surplus)', async () => {
    const s = setup(2, { tasksPerExecutor: 1 });
    const [a] = await running(s, ['nm-a', 'nm-b']);
    s.rm.complete(completed(a!, 1));
    s.state.preferences = prefs({ 'nm-a': 3 });
    await s.beat();
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 1, 'nm-a': 1, '/default-rack': 1 });
    // allocation in flight; the pending tasks now prefer another host
    s.state.preferences = prefs({ 'nm-b': 5 });
    for (let i = 0; i < 3; i++) {
      await s.beat();
      expect(s.rm.lastAsk()).toEqual([]);
    }
    expect(s.rm.grantable()).toBe(1);
    s.rm.grant(['nm-a']);
    await s.beat();
    expect(s.rm.grantable()).toBe(0);
    expect(s.rmRows()).toEqual({});
    expect(s.allocator.numExecutors).toBe(2);
    expect(s.rm.released).toEqual([]);
  });

  it('a container elsewhere fills a host request: the host row is cancelled, * is not re-sent', async () => {
    const s = setup(2, { tasksPerExecutor: 1 });
    const [a] = await running(s, ['nm-a', 'nm-b']);
    s.rm.complete(completed(a!, 1));
    s.state.preferences = prefs({ 'nm-a': 1 });
    await s.beat();
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 1, 'nm-a': 1, '/default-rack': 1 });
    // relaxed locality: the RM places it on nm-c (rack-local), decrementing the rack row and *
    s.rm.grant(['nm-c']);
    await s.beat();
    expect(s.allocator.numExecutors).toBe(2);
    await s.beat();
    expect(s.lastRows()).toEqual({ 'nm-a': 0 });
    expect(s.rmRows()).toEqual({});
    expect(s.rm.released).toEqual([]);
  });

  it('matches a container on an asked-for host to that host even when it arrives after one elsewhere', async () => {
    const s = setup(3, { tasksPerExecutor: 1 });
    const [a, b] = await running(s, ['nm-a', 'nm-b', 'nm-c']);
    s.rm.complete(completed(a!, 1), completed(b!, 1));
    s.state.preferences = prefs({ 'nm-a': 1 });
    await s.beat();
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 2, 'nm-a': 1, '/default-rack': 1 });
    const [elsewhere, onA] = s.rm.grant(['nm-d', 'nm-a']);
    await s.beat();
    const byContainer = new Map(
      s.allocator.executorsSnapshot().map((e) => [formatContainerId(e.container.id), e.requestedHost]),
    );
    expect(byContainer.get(formatContainerId(onA!.id))).toBe('nm-a');
    expect(byContainer.has(formatContainerId(elsewhere!.id))).toBe(true);
    expect(byContainer.get(formatContainerId(elsewhere!.id))).toBeUndefined();
    await s.beat();
    expect(s.rmRows()).toEqual({});
    expect(s.rm.lastAsk()).toEqual([]);
  });

  it('resync resends node and rack rows with *; stop() cancels them all', async () => {
    const s = setup(2, { tasksPerExecutor: 1 });
    const [a] = await running(s, ['nm-a', 'nm-b']);
    s.rm.complete(completed(a!, 1));
    s.state.preferences = prefs({ 'nm-b': 2 });
    await s.beat();
    await s.beat();
    s.rm.failNext(new TsparkError(RemoteErrorCode.AM_NOT_REGISTERED, 'ApplicationMasterNotRegisteredException'));
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 1, 'nm-b': 1, '/default-rack': 1 });
    s.allocator.stop();
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 0, 'nm-b': 0, '/default-rack': 0 });
    expect(s.rmRows()).toEqual({});
  });

  it("uses the rack the RM reports for a host (updatedNodes), /default-rack otherwise", async () => {
    const s = setup(2, { tasksPerExecutor: 1 });
    s.rm.setRack('nm-a', '/rack-1');
    const [a] = await running(s, ['nm-a', 'nm-b']);
    s.rm.complete(completed(a!, 1));
    s.state.preferences = prefs({ 'nm-a': 1, 'nm-z': 1 });
    await s.beat();
    await s.beat();
    expect(s.lastRows()).toEqual({ '*': 1, 'nm-a': 1, '/rack-1': 1 });
    s.rm.grant(['nm-a']);
    await s.beat();
    expect(s.rmRows()).toEqual({});
  });
});
