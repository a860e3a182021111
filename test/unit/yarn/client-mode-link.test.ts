import { describe, expect, it } from 'vitest';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import type { LocalityPreferences } from '../../../src/core/scheduler/backend.js';
import { ExecutorsNotRegisteredError } from '../../../src/core/scheduler/cluster/cluster-backend.js';
import { silentLogger } from '../../../src/log.js';
import { RpcServer } from '../../../src/rpc/rpc-server.js';
import { AmExitCode } from '../../../src/yarn/am/exit-codes.js';
import { driverAddressFromConf, runDriverLink, type ExecutorGate } from '../../../src/yarn/am/driver-link.js';
import { clientModeDriverBackend } from '../../../src/yarn/client-mode/client-driver-backend.js';
import { ClientModeLauncher } from '../../../src/yarn/client-mode/client-mode-launcher.js';

/**
 * The two ends of the yarn-client link over a real loopback RPC connection:
 * the driver's ClientModeLauncher (its handlers installed on an RpcServer, as
 * the driver endpoint does) and the ApplicationMaster's runDriverLink.
 */

const SECRET = Buffer.from('client-mode-test-secret');

class FakeGate implements ExecutorGate {
  launched: Array<{ host: string; port: number }> = [];
  abandoned: string[] = [];
  onExit: ((executorId: string, reason: string) => void) | undefined;
  async launch(
    driver: { host: string; port: number },
    _secret: Buffer,
    onExit: (id: string, reason: string) => void,
  ) {
    this.launched.push(driver);
    this.onExit = onExit;
  }
  abandon(reason: string) {
    this.abandoned.push(reason);
  }
  locality: LocalityPreferences[] = [];
  updateLocalityPreferences(p: LocalityPreferences) {
    this.locality.push(p);
  }
}

async function driverEndpoint(launcher: ClientModeLauncher): Promise<RpcServer> {
  const server = await RpcServer.listen({
    bindAddress: '127.0.0.1',
    port: 0,
    secret: SECRET,
    logger: silentLogger(),
  });
  for (const [type, handler] of launcher.handlers) server.handle(type, handler);
  return server;
}

function link(
  server: RpcServer,
  gate: FakeGate,
  overrides: Partial<Parameters<typeof runDriverLink>[0]> = {},
) {
  return runDriverLink({
    driver: { host: '127.0.0.1', port: server.address.port },
    secret: SECRET,
    appId: 'application_1_0001',
    attemptId: 1,
    amHost: 'nm-host',
    executors: gate,
    waitTimeMs: 5_000,
    logger: silentLogger(),
    ...overrides,
  });
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition not reached');
}

describe('yarn-client: driver <-> ApplicationMaster link', () => {
  it('registers, releases launches with the driver address, forwards executor exits, ends SUCCEEDED on the driver stop', async () => {
    const launcher = new ClientModeLauncher({ submit: async () => {}, logger: silentLogger() });
    const exits: Array<[string, string]> = [];
    await launcher.launch({ host: '127.0.0.1', port: 1 }, SECRET, (id, reason) => exits.push([id, reason]));
    const server = await driverEndpoint(launcher);
    const gate = new FakeGate();
    const outcome = link(server, gate);
    await until(() => gate.launched.length === 1 && launcher.amConnected);
    expect(gate.launched[0]).toEqual({ host: '127.0.0.1', port: server.address.port });

    gate.onExit!('3', 'container c3 on nm1 ended (exit status 1): could not join the driver at 127.0.0.1:1');
    await until(() => exits.length === 1);
    expect(exits[0]).toEqual([
      '3',
      'container c3 on nm1 ended (exit status 1): could not join the driver at 127.0.0.1:1',
    ]);

    expect(launcher.amToldToFinish).toBe(false);
    await launcher.stop(1000);
    expect(launcher.amToldToFinish).toBe(true);
    await expect(outcome).resolves.toEqual({
      status: 'SUCCEEDED',
      exitCode: AmExitCode.SUCCESS,
      diagnostics: '',
      endsApplication: true,
    });
    await server.close();
  });

  it("sends the pending tasks' preferred hosts to the AM when they change, and only then", async () => {
    const launcher = new ClientModeLauncher({
      submit: async () => {},
      logger: silentLogger(),
      localityCheckIntervalMs: 20,
    });
    let current: LocalityPreferences = { numLocalityAwareTasks: 0, hostToLocalTaskCount: {} };
    launcher.useLocalitySource(() => current);
    const server = await driverEndpoint(launcher);
    const gate = new FakeGate();
    const outcome = link(server, gate);
    // the current state goes out once the AM registered
    await until(() => gate.locality.length === 1);
    expect(gate.locality[0]).toEqual({ numLocalityAwareTasks: 0, hostToLocalTaskCount: {} });
    current = { numLocalityAwareTasks: 3, hostToLocalTaskCount: { 'nm-a': 3, 'nm-b': 1 } };
    await until(() => gate.locality.length === 2);
    expect(gate.locality[1]).toEqual(current);
    // unchanged (same counts, other key order): nothing more is sent
    current = { numLocalityAwareTasks: 3, hostToLocalTaskCount: { 'nm-b': 1, 'nm-a': 3 } };
    await new Promise((r) => setTimeout(r, 150));
    expect(gate.locality).toHaveLength(2);
    await launcher.stop(1000);
    await outcome;
    await server.close();
  });

  it("reports the user's failure: FAILED with the error as diagnostics, and no other final status after it", async () => {
    const launcher = new ClientModeLauncher({ submit: async () => {}, logger: silentLogger() });
    const server = await driverEndpoint(launcher);
    const gate = new FakeGate();
    const outcome = link(server, gate);
    await until(() => launcher.amConnected);
    launcher.recordFailure('User application exited with an error: boom');
    launcher.recordFailure('a later cause');
    expect(await launcher.finishAm()).toBe(true);
    expect(await launcher.finishAm()).toBe(false);
    const o = await outcome;
    expect(o).toMatchObject({
      status: 'FAILED',
      exitCode: AmExitCode.EXCEPTION_USER_CLASS,
      diagnostics: 'User application exited with an error: boom',
      endsApplication: true,
    });
    await server.close();
  });

  it('a driver that disconnects without a final status ends the application FAILED (exit 18)', async () => {
    const launcher = new ClientModeLauncher({ submit: async () => {}, logger: silentLogger() });
    const server = await driverEndpoint(launcher);
    const gate = new FakeGate();
    const outcome = link(server, gate);
    await until(() => launcher.amConnected);
    launcher.abandonFinish();
    await launcher.stop(1000); // sends nothing
    expect(launcher.amToldToFinish).toBe(false);
    await server.close();
    const o = await outcome;
    expect(o.status).toBe('FAILED');
    expect(o.exitCode).toBe(AmExitCode.DRIVER_DISCONNECTED);
    expect(o.endsApplication).toBe(true);
    expect(o.diagnostics).toContain(`the driver at 127.0.0.1:${server.address.port} disconnected`);
    expect(gate.abandoned.length).toBe(1);
  });

  it('an unreachable driver fails the AM after spark.yarn.am.waitTime, naming the address tried', async () => {
    // a port that was just free: nothing listens there
    const probe = await RpcServer.listen({
      bindAddress: '127.0.0.1',
      port: 0,
      secret: SECRET,
      logger: silentLogger(),
    });
    const port = probe.address.port;
    await probe.close();
    let clock = 0;
    let attempts = 0;
    const gate = new FakeGate();
    const o = await runDriverLink({
      driver: { host: '127.0.0.1', port },
      secret: SECRET,
      appId: 'application_1_0001',
      attemptId: 1,
      amHost: 'nm-host',
      executors: gate,
      waitTimeMs: 10_000,
      logger: silentLogger(),
      now: () => clock,
      sleep: async (ms) => {
        attempts++;
        clock += ms;
      },
      retryIntervalMs: 1_000,
    });
    expect(o.status).toBe('FAILED');
    expect(o.exitCode).toBe(AmExitCode.DRIVER_UNREACHABLE);
    expect(o.diagnostics).toContain(`could not reach the driver at 127.0.0.1:${port} within 10000 ms`);
    expect(o.diagnostics).toContain('spark.driver.host');
    expect(attempts).toBe(10);
    expect(gate.launched).toEqual([]);
    expect(gate.abandoned).toEqual([o.diagnostics]);
  });

  it('a driver that refuses the secret is not retried', async () => {
    const launcher = new ClientModeLauncher({ submit: async () => {}, logger: silentLogger() });
    const server = await driverEndpoint(launcher);
    let slept = 0;
    const o = await link(server, new FakeGate(), {
      secret: Buffer.from('not-the-secret'),
      sleep: async () => {
        slept++;
      },
    });
    expect(o.status).toBe('FAILED');
    expect(o.diagnostics).toContain('refused the application secret');
    expect(slept).toBe(0);
    expect(launcher.amConnected).toBe(false);
    await server.close();
  });
});

describe('yarn-client: the driver waiting for executors', () => {
  const conf = () =>
    new SparkConf({
      'spark.executor.instances': '2',
      'spark.executor.cores': '1',
      'spark.driver.host': '127.0.0.1',
    });
  const client = { resourceOffers: () => [], statusUpdate: () => {}, executorLost: () => {} };

  it('fails at once, naming the address, when the AM reports an executor that could not reach the driver', async () => {
    let reported: FakeGate | undefined;
    const launcher: ClientModeLauncher = new ClientModeLauncher({
      logger: silentLogger(),
      // "submitting" starts an AM link to the endpoint that just started listening
      submit: async (driver) => {
        const gate = new FakeGate();
        reported = gate;
        void runDriverLink({
          driver,
          secret: SECRET,
          appId: 'application_1_0001',
          attemptId: 1,
          amHost: 'nm-host',
          executors: gate,
          waitTimeMs: 5_000,
          logger: silentLogger(),
        });
      },
    });
    const backend = clientModeDriverBackend({
      conf: conf(),
      secret: SECRET,
      launcher,
      localHostName: 'unused',
      logger: silentLogger(),
      registrationTimeoutMs: 30_000,
    });
    const started = backend.start(client);
    await until(() => reported?.onExit !== undefined);
    const address = `${backend.driverAddress!.host}:${backend.driverAddress!.port}`;
    reported!.onExit!(
      '1',
      `container c1 ended (exit status 1): executor 1 could not join the driver at ${address}: ECONNREFUSED`,
    );
    const err = await started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExecutorsNotRegisteredError);
    expect((err as Error).message).toContain(`driver endpoint at ${address}`);
    expect((err as Error).message).toContain(`could not join the driver at ${address}`);
    await backend.stop();
  });

  it('a failed submission ends the wait with its reason and is kept for the client to report', async () => {
    const launcher = new ClientModeLauncher({
      logger: silentLogger(),
      submit: async () => {
        throw new Error('HDFS refused the staging directory');
      },
    });
    const backend = clientModeDriverBackend({
      conf: conf(),
      secret: SECRET,
      launcher,
      localHostName: 'unused',
      logger: silentLogger(),
      registrationTimeoutMs: 30_000,
    });
    await expect(backend.start(client)).rejects.toThrow(
      /could not be submitted to YARN: HDFS refused the staging directory/,
    );
    expect((launcher.submitError as Error).message).toBe('HDFS refused the staging directory');
    await backend.stop();
  });

  it('reads the driver address the client staged, and refuses a configuration without it', () => {
    expect(
      driverAddressFromConf(new SparkConf({ 'spark.driver.host': 'edge-1', 'spark.driver.port': '40123' })),
    ).toEqual({
      host: 'edge-1',
      port: 40123,
    });
    expect(() => driverAddressFromConf(new SparkConf({ 'spark.driver.host': 'edge-1' }))).toThrow(
      /spark.driver.port/,
    );
  });
});
