/**
 * LogsDeps from the project's clients: the ResourceManager REST client, the
 * WebHDFS client, the site configuration, and plain HTTP to NodeManagers.
 */
import os from 'node:os';
import { nameNodeHttpUrls, resourceManagerWebUrls } from '../conf/hadoop-addresses.js';
import { hadoopConfDirs, loadHadoopConf } from '../conf/hadoop-conf.js';
import { WebHdfsClient } from '../hadoop/webhdfs/client.js';
import { silentLogger, type Logger } from '../log.js';
import { ResourceManagerClient } from '../yarn/rest/client.js';
import {
  REAL_CLOCK,
  type HadoopConfLike,
  type LogsDeps,
  type LogsFileSystem,
  type LogsResourceManager,
} from './deps.js';
import { createNodeManagerHttp } from './nodemanager/nm-http.js';

function isNotFound(e: unknown): boolean {
  return (e as { code?: unknown })?.code === 'HADOOP_NOT_FOUND';
}

export function resourceManagerForLogs(rm: ResourceManagerClient): LogsResourceManager {
  return {
    async getApplication(appId) {
      try {
        const app = await rm.getApplication(appId);
        return {
          id: app.id,
          user: app.user,
          state: app.state,
          ...(app.logAggregationStatus ? { logAggregationStatus: app.logAggregationStatus } : {}),
        };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async getApplicationAttempts(appId) {
      const attempts = await rm.getApplicationAttempts(appId);
      return attempts
        .map((a) => ({
          id: a.id,
          containerId: a.containerId,
          nodeId: a.nodeId,
          nodeHttpAddress: a.nodeHttpAddress,
        }))
        .sort((a, b) => a.id - b.id);
    },
    async listNodes() {
      return (await rm.nodes()).map((n) => ({
        id: n.id,
        nodeHttpAddress: n.nodeHTTPAddress,
        state: n.state,
      }));
    },
  };
}

export function fileSystemForLogs(hdfs: WebHdfsClient): LogsFileSystem {
  return {
    async list(path) {
      return (await hdfs.listStatus(path)).map((s) => ({
        name: s.name,
        type: s.type,
        length: s.length,
        modificationTime: s.modificationTime,
      }));
    },
    async *read(path, offset, length) {
      if (length <= 0) return;
      const stream = await hdfs.open(path, { offset, length });
      try {
        for await (const piece of stream) yield piece as Buffer;
      } finally {
        stream.destroy();
      }
    },
  };
}

export interface ClusterLogsDepsOptions {
  hadoopConf: HadoopConfLike & Parameters<typeof resourceManagerWebUrls>[0];
  user: string;
  logger?: Logger;
}

export function clusterLogsDeps(options: ClusterLogsDepsOptions): LogsDeps {
  const logger = options.logger ?? silentLogger();
  const rm = new ResourceManagerClient({
    resourceManagers: resourceManagerWebUrls(options.hadoopConf),
    user: options.user,
    logger,
  });
  const hdfs = new WebHdfsClient({
    namenodes: nameNodeHttpUrls(options.hadoopConf),
    user: options.user,
    logger,
  });
  return {
    rm: resourceManagerForLogs(rm),
    fs: fileSystemForLogs(hdfs),
    nodeManagers: createNodeManagerHttp({ user: options.user }),
    hadoopConf: options.hadoopConf,
    user: options.user,
    clock: REAL_CLOCK,
    logger,
  };
}

/** Entry point: the configuration from HADOOP_CONF_DIR / YARN_CONF_DIR, the user from HADOOP_USER_NAME or the OS. */
export function clusterLogsDepsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  logger?: Logger,
): LogsDeps {
  const user = env.HADOOP_USER_NAME || os.userInfo().username;
  const hadoopConf = loadHadoopConf(hadoopConfDirs(env), { env, system: { 'user.name': user } });
  return clusterLogsDeps({ hadoopConf, user, ...(logger ? { logger } : {}) });
}
