import { ConfigError } from '../../errors.js';
import { parseContainerId, type ContainerId } from '../../hadoop/ipc/protocols/yarn-ids.js';

/**
 * What the NodeManager and the ResourceManager tell an AM container through
 * its environment (ContainerLaunch.sanitizeEnv, AMLauncher), plus what
 * tspark's client adds. Read once, at the entry point.
 */
export interface AmEnvironment {
  containerId: ContainerId;
  containerIdText: string;
  nmHost: string;
  nmPort: number;
  nmHttpPort: number;
  logDirs: string[];
  tokenFile: string;
  /** /proxy/<appId>, the path under which the RM proxy serves the tracking URL. */
  webProxyBase: string | undefined;
  /** The application's max attempts as the RM applies it. */
  maxAppAttempts: number | undefined;
  /** hdfs://… URI of the staging directory (SPARK_YARN_STAGING_DIR). */
  stagingDir: string | undefined;
  user: string;
  /** Base64 JSON of the local resources (LOCAL_RESOURCES_ENV). */
  localResources: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    throw new ConfigError(
      'AM_ENV_MISSING',
      `${name} is not set: the ApplicationMaster must be started by YARN in an AM container (the NodeManager sets ${name})`,
      { context: { variable: name } },
    );
  }
  return v;
}

function port(env: Env, name: string): number {
  const raw = required(env, name);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError('AM_ENV_INVALID', `${name}=${raw} is not a port number`, {
      context: { variable: name },
    });
  }
  return n;
}

export function readAmEnvironment(env: Env, localResourcesVar: string): AmEnvironment {
  const containerIdText = required(env, 'CONTAINER_ID');
  let containerId: ContainerId;
  try {
    containerId = parseContainerId(containerIdText);
  } catch (e) {
    throw new ConfigError('AM_ENV_INVALID', `CONTAINER_ID: ${(e as Error).message}`, { cause: e });
  }
  const maxAttempts = env.MAX_APP_ATTEMPTS ? Number(env.MAX_APP_ATTEMPTS) : undefined;
  return {
    containerId,
    containerIdText,
    nmHost: required(env, 'NM_HOST'),
    nmPort: port(env, 'NM_PORT'),
    nmHttpPort: port(env, 'NM_HTTP_PORT'),
    logDirs: (env.LOG_DIRS ?? '').split(',').filter(Boolean),
    tokenFile: required(env, 'HADOOP_TOKEN_FILE_LOCATION'),
    webProxyBase: env.APPLICATION_WEB_PROXY_BASE || undefined,
    maxAppAttempts:
      maxAttempts !== undefined && Number.isInteger(maxAttempts) && maxAttempts > 0 ? maxAttempts : undefined,
    stagingDir: env.SPARK_YARN_STAGING_DIR || undefined,
    user: env.SPARK_USER || env.USER || 'unknown',
    localResources: env[localResourcesVar] || undefined,
  };
}
