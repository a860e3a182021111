import { ConfigError } from '../../errors.js';
import type { LocalResource as IpcLocalResource } from '../../hadoop/ipc/protocols/yarn-records.js';
import type { LocalResource as RestLocalResource } from '../launch-context.js';

/**
 * The files every executor container localizes are the ones the client
 * staged for the ApplicationMaster (bundle, conf archive, runtime, --files,
 * --archives): Spark passes them to its AM as spark.yarn.cache.* settings;
 * tspark's client puts them, with their exact sizes and modification times,
 * in one AM environment variable. Base64 because the NodeManager writes
 * environment values between double quotes without escaping them.
 */
export const LOCAL_RESOURCES_ENV = 'TSPARK_YARN_LOCAL_RESOURCES';

export function encodeLocalResourcesEnv(resources: Readonly<Record<string, RestLocalResource>>): string {
  return Buffer.from(JSON.stringify(resources), 'utf8').toString('base64');
}

export function decodeLocalResourcesEnv(value: string): Record<string, RestLocalResource> {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, RestLocalResource>;
  } catch (e) {
    throw new ConfigError(
      'AM_LOCAL_RESOURCES_INVALID',
      `${LOCAL_RESOURCES_ENV} in the ApplicationMaster's environment is not valid (${(e as Error).message}); submit again with this tspark version`,
      { cause: e },
    );
  }
}

/** `hdfs://host:port/path` (as the REST API takes it) -> the URL record of the IPC launch context. */
export function toIpcLocalResource(r: RestLocalResource): IpcLocalResource {
  let url: URL;
  try {
    url = new URL(r.resource);
  } catch (e) {
    throw new ConfigError('AM_LOCAL_RESOURCE_URL', `local resource '${r.resource}' is not a URL`, {
      cause: e,
    });
  }
  return {
    url: {
      scheme: url.protocol.replace(/:$/, ''),
      ...(url.hostname ? { host: url.hostname } : {}),
      ...(url.port ? { port: Number(url.port) } : {}),
      file: decodeURIComponent(url.pathname),
    },
    size: r.size,
    timestamp: r.timestamp,
    type: r.type,
    visibility: r.visibility,
  };
}

export function toIpcLocalResources(
  resources: Readonly<Record<string, RestLocalResource>>,
): Record<string, IpcLocalResource> {
  return Object.fromEntries(Object.entries(resources).map(([name, r]) => [name, toIpcLocalResource(r)]));
}
