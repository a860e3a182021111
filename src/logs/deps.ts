/**
 * What `tspark logs` needs from the outside world, as narrow interfaces: the
 * ResourceManager (app report, attempts, nodes), the file system holding the
 * aggregated logs (HDFS through WebHDFS), the NodeManagers' web services, the
 * Hadoop configuration, a clock. `cluster-deps.ts` builds them from the
 * project's REST clients; tests pass fakes.
 */
import type { Logger } from '../log.js';
import type { TimeZoneOffset } from './output/yarn-logs-format.js';

export type YarnApplicationState =
  'NEW' | 'NEW_SAVING' | 'SUBMITTED' | 'ACCEPTED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export type LogAggregationStatus =
  'DISABLED' | 'NOT_START' | 'RUNNING' | 'RUNNING_WITH_FAILURE' | 'SUCCEEDED' | 'FAILED' | 'TIME_OUT' | 'N/A';

export interface LogsAppReport {
  id: string;
  user: string;
  state: YarnApplicationState;
  logAggregationStatus?: LogAggregationStatus;
}

export interface LogsAttemptReport {
  /** Attempt number, 1-based. */
  id: number;
  containerId: string;
  /** `host:port` NodeId of the AM container. */
  nodeId: string;
  /** `host:port` of the NM web server. */
  nodeHttpAddress: string;
}

export interface LogsNodeReport {
  /** NodeId, `host:port`. */
  id: string;
  /** `host:port` of the NM web server. */
  nodeHttpAddress: string;
  state: string;
}

export interface LogsResourceManager {
  /** The report, or undefined when the RM does not know the application (404). */
  getApplication(appId: string): Promise<LogsAppReport | undefined>;
  getApplicationAttempts(appId: string): Promise<LogsAttemptReport[]>;
  listNodes(): Promise<LogsNodeReport[]>;
}

export interface LogsFileStatus {
  /** Last path component. */
  name: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
  /** Milliseconds since the epoch. */
  modificationTime: number;
}

/**
 * The file system of `yarn.nodemanager.remote-app-log-dir`. Failures are the
 * project's typed errors: not found (code HADOOP_NOT_FOUND) and permission
 * denied (HADOOP_PERMISSION_DENIED) are told apart by `code`.
 */
export interface LogsFileSystem {
  /** Entries of a directory; rejects with a not-found error if it does not exist. */
  list(path: string): Promise<LogsFileStatus[]>;
  /** The bytes [offset, offset + length) as they arrive; breaking out of the loop ends the transfer. */
  read(path: string, offset: number, length: number): AsyncIterable<Buffer>;
}

export interface NodeManagerResponse {
  status: number;
  /** Response body as it arrives. */
  body: AsyncIterable<Buffer>;
}

/** GETs on a NodeManager's web server; rejects only when it cannot be reached. */
export interface NodeManagerHttp {
  get(
    nodeHttpAddress: string,
    pathAndQuery: string,
    accept: 'application/json' | 'text/plain',
  ): Promise<NodeManagerResponse>;
}

export interface HadoopConfLike {
  get(key: string): string | undefined;
}

export interface LogsClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface LogsDeps {
  rm: LogsResourceManager;
  fs: LogsFileSystem;
  nodeManagers: NodeManagerHttp;
  /** Client-side yarn-site (log aggregation keys). */
  hadoopConf: HadoopConfLike;
  /** Who we are to HDFS and the RM (`user.name`). */
  user: string;
  clock: LogsClock;
  logger?: Logger;
  /** Zone of LogLastModifiedTime; the process's local zone by default, like the JVM's. */
  timeZoneOffset?: TimeZoneOffset;
  /** How long to wait for log aggregation of a finished application (default 120 s). */
  aggregationWaitMs?: number;
  /** Pause between polls (aggregation status, --follow); default 1 s. */
  pollIntervalMs?: number;
}

export const REAL_CLOCK: LogsClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
