import type { ContainerLaunchContext, LocalResource } from '../../hadoop/ipc/protocols/yarn-records.js';
import { ContainerLayout, nodeCommand } from '../launch-context.js';
import { escapeForYarnShell } from '../shell-escape.js';

/**
 * What each executor container gets (Spark's ExecutorRunnable): the same
 * local resources as the AM, the application's credentials without the
 * AMRMToken, an environment, and a command.
 *
 * The command is the real executor entry (`node … dist/src/executor/main.js`)
 * unless spark.tspark.yarn.executorCommand names a shell command: a stop-gap
 * until the executor (distributed execution) exists, used by the tests to
 * give containers a known behaviour.
 */

const EXECUTOR_ENV_PREFIX = 'spark.executorEnv.';

export interface ExecutorLaunchInput {
  appId: string;
  executorId: string;
  localResources: Readonly<Record<string, LocalResource>>;
  /** A whole token storage file, AMRMToken removed (withoutAmRmToken). */
  tokens: Uint8Array;
  /** The Spark configuration (spark.executorEnv.* become environment variables). */
  conf: Iterable<readonly [string, string]>;
  user: string;
  heapMiB: number;
  cores: number;
  nodeBinary: string;
  /** A shell command replacing the executor entry (spark.tspark.yarn.executorCommand). */
  commandOverride?: string;
  /** Extra environment set by the AM (staging dir, ...). */
  environment?: Readonly<Record<string, string>>;
  /** The driver endpoint (host:port) the executor dials; without it, spark.driver.host/port from the properties. */
  driverUrl?: string;
}

export function executorEnvironment(input: ExecutorLaunchInput): Record<string, string> {
  const env: Record<string, string> = {
    SPARK_USER: input.user,
    TSPARK_APP_ID: input.appId,
    TSPARK_EXECUTOR_ID: input.executorId,
    TSPARK_EXECUTOR_CORES: String(input.cores),
    ...input.environment,
  };
  for (const [k, v] of input.conf) {
    if (k.startsWith(EXECUTOR_ENV_PREFIX) && k.length > EXECUTOR_ENV_PREFIX.length) {
      env[k.slice(EXECUTOR_ENV_PREFIX.length)] = v;
    }
  }
  return env;
}

export function executorCommand(input: ExecutorLaunchInput): string {
  if (input.commandOverride !== undefined && input.commandOverride.trim() !== '') {
    return `/bin/bash -c ${escapeForYarnShell(input.commandOverride)} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`;
  }
  return nodeCommand({
    nodeBinary: input.nodeBinary,
    heapMiB: input.heapMiB,
    script: ContainerLayout.EXECUTOR_MAIN,
    args: [
      '--app-id',
      input.appId,
      '--executor-id',
      input.executorId,
      '--cores',
      String(input.cores),
      '--properties-file',
      ContainerLayout.CONF_PROPERTIES,
      '--app',
      ContainerLayout.APP_BUNDLE,
      ...(input.driverUrl ? ['--driver-url', input.driverUrl] : []),
    ],
  });
}

export function executorLaunchContext(input: ExecutorLaunchInput): ContainerLaunchContext {
  return {
    localResources: { ...input.localResources },
    environment: executorEnvironment(input),
    commands: [executorCommand(input)],
    tokens: input.tokens,
  };
}
