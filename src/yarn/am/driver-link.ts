import { Config } from '../../conf/registry.js';
import type { SparkConf } from '../../conf/spark-conf.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { RpcAuthError } from '../../rpc/errors.js';
import { RpcClient } from '../../rpc/rpc-client.js';
import type { RpcConnection } from '../../rpc/rpc-connection.js';
import {
  AmLinkMsg,
  parseAmFinish,
  parseAmLocalityPreferences,
  type AmExecutorExited,
  type AmRegister,
} from '../client-mode/am-link-protocol.js';
import type { LocalityPreferences } from '../../core/scheduler/backend.js';
import type { DriverOutcome } from './application-master.js';
import { AmExitCode } from './exit-codes.js';

/**
 * yarn-client mode, the ApplicationMaster's side (Spark's ExecutorLauncher):
 * the driver runs in tspark-submit, so instead of running the user's main
 * the AM dials the driver endpoint (spark.driver.host / spark.driver.port
 * from the configuration the client staged; the same address executors
 * dial), authenticates with the application secret, registers, and then:
 * container launches are released (executors get the address the AM
 * reached), executor containers that end are reported to the driver, and
 * the AM finishes with the status the driver sends (AM_FINISH).
 *
 * Decisions (docs/yarn.md, "Client mode"):
 * - The driver could not be reached within spark.yarn.am.waitTime: FAILED
 *   (exit 13), diagnostics name the address tried.
 * - The driver disconnected without AM_FINISH (tspark-submit killed,
 *   crashed, network lost): FAILED (exit 18). Spark reports SUCCEEDED here by
 *   default; our driver always sends its final status before a normal stop,
 *   so a bare disconnect is never a normal end.
 * Either way the application ends: a new attempt could not find the driver.
 */

export interface DriverAddress {
  host: string;
  port: number;
}

/** What the link releases once the driver is reached: container launches (YarnExecutorLauncher). */
export interface ExecutorGate {
  launch(
    driver: DriverAddress,
    secret: Buffer,
    onExit: (executorId: string, reason: string) => void,
  ): Promise<void>;
  abandon(reason: string): void;
  /** The driver's pending tasks' preferred hosts, for the containers asked for next. */
  updateLocalityPreferences?(preferences: LocalityPreferences): void;
}

export interface DriverLinkInput {
  driver: DriverAddress;
  secret: Buffer;
  appId: string;
  attemptId: number;
  amHost: string;
  executors: ExecutorGate;
  /** spark.yarn.am.waitTime: how long to keep trying to reach the driver. */
  waitTimeMs: number;
  logger: Logger;
  connect?: (host: string, port: number, secret: Buffer) => Promise<RpcConnection>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Pause between connection attempts. */
  retryIntervalMs?: number;
}

const DEFAULT_RETRY_INTERVAL_MS = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** Executor ids of one AM attempt: 1…, 100001…, 200001… (the driver outlives attempts). */
export const EXECUTOR_IDS_PER_ATTEMPT = 100_000;

export function clientModeFirstExecutorId(attemptId: number): number {
  return (Math.max(1, attemptId) - 1) * EXECUTOR_IDS_PER_ATTEMPT + 1;
}

/** spark.driver.host / spark.driver.port, which tspark-submit sets in client mode. */
export function driverAddressFromConf(conf: SparkConf): DriverAddress {
  const host = conf.get(Config.DRIVER_HOST.key)?.trim();
  const port = conf.getEntry(Config.DRIVER_PORT);
  if (!host || !port) {
    throw new ConfigError(
      'AM_NO_DRIVER_ADDRESS',
      'client mode: the configuration holds no spark.driver.host/spark.driver.port, so the ApplicationMaster cannot find the driver; ' +
        'submit with a tspark-submit of this version, which sets them',
    );
  }
  return { host, port };
}

function hostPort(d: DriverAddress): string {
  return `${d.host.includes(':') ? `[${d.host}]` : d.host}:${d.port}`;
}

export async function runDriverLink(input: DriverLinkInput): Promise<DriverOutcome> {
  const log = input.logger.child({ component: 'DriverLink' });
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const connect =
    input.connect ??
    ((host: string, port: number, secret: Buffer) =>
      RpcClient.connect(host, port, secret, {
        logger: log,
        peerName: 'driver endpoint',
        attempts: 1,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      }));
  const address = hostPort(input.driver);
  const deadline = now() + input.waitTimeMs;

  let connection: RpcConnection | undefined;
  for (let attempt = 1; !connection; attempt++) {
    try {
      connection = await connect(input.driver.host, input.driver.port, input.secret);
    } catch (e) {
      const refusedSecret = e instanceof RpcAuthError;
      if (refusedSecret || now() >= deadline) {
        const reason = refusedSecret
          ? `the driver endpoint at ${address} refused the application secret: ${messageOf(e)}`
          : `could not reach the driver at ${address} within ${input.waitTimeMs} ms (spark.yarn.am.waitTime): ${messageOf(e)}` +
            (/spark\.driver\.host/.test(messageOf(e))
              ? ''
              : '. The ApplicationMaster and the executors connect to the machine running tspark-submit: ' +
                'set spark.driver.host to an address of it that the cluster nodes can reach');
        input.executors.abandon(reason);
        log.error({ driver: address, attempt }, reason);
        return {
          status: 'FAILED',
          exitCode: AmExitCode.DRIVER_UNREACHABLE,
          diagnostics: reason,
          endsApplication: true,
        };
      }
      log.info({ driver: address, attempt, err: messageOf(e) }, 'Driver not reachable yet; retrying');
      await sleep(input.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS);
    }
  }
  const link = connection;

  return new Promise<DriverOutcome>((resolve) => {
    let settled = false;
    const settle = (o: DriverOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    link.handle(AmLinkMsg.AM_LOCALITY_PREFERENCES, (m) => {
      const preferences = parseAmLocalityPreferences(m);
      log.debug({ ...preferences }, 'The driver sent its pending tasks\' preferred hosts');
      input.executors.updateLocalityPreferences?.(preferences);
    });
    link.handle(AmLinkMsg.AM_FINISH, (m) => {
      const finish = parseAmFinish(m);
      log.info({ status: finish.status }, 'The driver reported the end of the application');
      settle(
        finish.status === 'SUCCEEDED'
          ? { status: 'SUCCEEDED', exitCode: AmExitCode.SUCCESS, diagnostics: '', endsApplication: true }
          : {
              status: 'FAILED',
              exitCode: AmExitCode.EXCEPTION_USER_CLASS,
              diagnostics: finish.diagnostics,
              endsApplication: true,
            },
      );
    });
    link.once('closed', (cause) => {
      const reason =
        `the driver at ${address} disconnected without reporting how the application ended ` +
        `(tspark-submit was stopped or lost its connection): ${cause.message}`;
      input.executors.abandon(reason);
      if (!settled) log.error({ driver: address }, reason);
      settle({
        status: 'FAILED',
        exitCode: AmExitCode.DRIVER_DISCONNECTED,
        diagnostics: reason,
        endsApplication: true,
      });
    });
    const register: AmRegister = {
      type: AmLinkMsg.AM_REGISTER,
      appId: input.appId,
      attemptId: input.attemptId,
      host: input.amHost,
    };
    link.request(register).then(
      async () => {
        log.info({ driver: address }, 'Registered with the driver; launching executors');
        await input.executors.launch(input.driver, input.secret, (executorId, reason) => {
          if (!link.isOpen) return;
          const exited: AmExecutorExited = { type: AmLinkMsg.AM_EXECUTOR_EXITED, executorId, reason };
          link.send(exited);
        });
      },
      (e: unknown) => {
        // the 'closed' handler settles when the connection went; anything else is a refusal
        if (!link.isOpen) return;
        const reason = `the driver at ${address} refused this ApplicationMaster: ${messageOf(e)}`;
        input.executors.abandon(reason);
        link.close(reason);
        settle({
          status: 'FAILED',
          exitCode: AmExitCode.DRIVER_UNREACHABLE,
          diagnostics: reason,
          endsApplication: true,
        });
      },
    );
  });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
