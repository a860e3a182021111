import { describe, expect, it } from 'vitest';
import type { Container } from '../../../../src/hadoop/ipc/protocols/yarn-records.js';
import { silentLogger } from '../../../../src/log.js';
import { executorCommand } from '../../../../src/yarn/am/executor-launch-context.js';
import { YarnExecutorLauncher } from '../../../../src/yarn/am/yarn-executor-launcher.js';
import type { ExecutorLauncher } from '../../../../src/yarn/am/allocator.js';

const container = { id: {} } as unknown as Container;

function recordingLauncher(): ExecutorLauncher & { launched: string[] } {
  const launched: string[] = [];
  return {
    launched,
    launch: async (_c: Container, id: string) => {
      launched.push(id);
    },
    stop: async () => {},
  };
}

const exitEvent = (executorId: string, exitStatus: number) => ({
  kind: exitStatus === 0 ? ('finished' as const) : ('failed' as const),
  exitStatus,
  reason: exitStatus === 0 ? 'finished' : 'crashed',
  executorId,
  containerId: `container_1_0001_01_00000${Number(executorId) + 1}`,
  node: 'nm1:8041',
  replaced: exitStatus !== 0,
});

describe('YarnExecutorLauncher', () => {
  it('holds container launches until the driver endpoint listens, then gives them its address', async () => {
    const y = new YarnExecutorLauncher(silentLogger());
    const inner = recordingLauncher();
    const gated = y.gate(inner);
    const pending = gated.launch(container, '1');
    await new Promise((r) => setTimeout(r, 10));
    expect(inner.launched).toEqual([]);
    expect(y.driverUrl).toBeUndefined();
    await y.launch({ host: 'am-host', port: 40123 }, Buffer.alloc(0), () => {});
    await pending;
    expect(inner.launched).toEqual(['1']);
    expect(y.driverUrl).toBe('am-host:40123');
  });

  it('brackets an IPv6 driver host', async () => {
    const y = new YarnExecutorLauncher(silentLogger());
    await y.launch({ host: '::1', port: 7077 }, Buffer.alloc(0), () => {});
    expect(y.driverUrl).toBe('[::1]:7077');
  });

  it('fails waiting launches when the driver ends before its endpoint started', async () => {
    const y = new YarnExecutorLauncher(silentLogger());
    const inner = recordingLauncher();
    const pending = y.gate(inner).launch(container, '1');
    y.abandon('the driver finished early');
    await expect(pending).rejects.toThrow('the driver finished early');
    expect(inner.launched).toEqual([]);
  });

  it('reports completed containers to the backend by executor id, with the container and reason', async () => {
    const y = new YarnExecutorLauncher(silentLogger());
    const exits: Array<[string, string]> = [];
    await y.launch({ host: 'h', port: 1 }, Buffer.alloc(0), (id, reason) => exits.push([id, reason]));
    y.executorExited(exitEvent('2', 1));
    expect(exits).toHaveLength(1);
    expect(exits[0]![0]).toBe('2');
    expect(exits[0]![1]).toContain('container_1_0001_01_000003 on nm1:8041');
    expect(exits[0]![1]).toContain('exit status 1');
  });

  it('stop() resolves as soon as every launched executor has exited', async () => {
    const y = new YarnExecutorLauncher(silentLogger());
    await y.launch({ host: 'h', port: 1 }, Buffer.alloc(0), () => {});
    const gated = y.gate(recordingLauncher());
    await gated.launch(container, '1');
    await gated.launch(container, '2');
    const start = Date.now();
    const stopped = y.stop(60_000);
    y.executorExited(exitEvent('1', 0));
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    y.executorExited(exitEvent('2', 0));
    await stopped;
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('stop() tells the AM at once that executors are stopping (once per stop, none without executors)', async () => {
    const y = new YarnExecutorLauncher(silentLogger());
    let told = 0;
    y.whenStopping(() => told++);
    await y.stop(10);
    expect(told).toBe(0);
    await y.launch({ host: 'h', port: 1 }, Buffer.alloc(0), () => {});
    await y.gate(recordingLauncher()).launch(container, '1');
    const stopped = y.stop(60_000);
    expect(told).toBe(1);
    y.executorExited(exitEvent('1', 0));
    await stopped;
    expect(told).toBe(1);
  });

  it('stop() gives up after its timeout when executors do not exit', async () => {
    const y = new YarnExecutorLauncher(silentLogger());
    await y.launch({ host: 'h', port: 1 }, Buffer.alloc(0), () => {});
    await y.gate(recordingLauncher()).launch(container, '1');
    const start = Date.now();
    await y.stop(50);
    expect(Date.now() - start).toBeGreaterThanOrEqual(45);
  });
});

describe('executorCommand with the driver address', () => {
  it('passes --driver-url to the executor entry', () => {
    const cmd = executorCommand({
      appId: 'application_1_0001',
      executorId: '4',
      localResources: {},
      tokens: new Uint8Array(),
      conf: [],
      user: 'u',
      heapMiB: 256,
      cores: 1,
      nodeBinary: 'node',
      driverUrl: 'am-host:40123',
    });
    expect(cmd).toContain("'--driver-url' 'am-host:40123'");
    expect(cmd).toContain("'--executor-id' '4'");
  });
});
