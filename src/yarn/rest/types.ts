/**
 * ResourceManager REST bodies (`/ws/v1/cluster/...`), field names exactly as
 * the RM reads and writes them (Jersey 1 / JAXB "natural" JSON; see
 * ResourceManagerRest.md and the shared yarn-rest brief §1, §3–§5). Request
 * keys are hyphenated; response keys are camelCase. Only keys the RM knows
 * may be sent: unknown keys can fail unmarshalling with a 400.
 */

/** JAXB's map layout: `{"entry": [{"key": ..., "value": ...}]}`. */
export interface EntryMap<V> {
  entry: { key: string; value: V }[];
}

export type YarnApplicationState =
  'NEW' | 'NEW_SAVING' | 'SUBMITTED' | 'ACCEPTED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
export type FinalApplicationStatus = 'UNDEFINED' | 'SUCCEEDED' | 'FAILED' | 'KILLED' | 'ENDED';
export type LocalResourceType = 'FILE' | 'ARCHIVE' | 'PATTERN';
export type LocalResourceVisibility = 'PUBLIC' | 'PRIVATE' | 'APPLICATION';

// ---- requests ----------------------------------------------------------------

/** `{memory, vCores}`: MiB and virtual cores. */
export interface ResourceInfo {
  memory: number;
  vCores: number;
}

/** One `local-resources` value (LocalResourceInfo). */
export interface LocalResourceInfo {
  /** Fully qualified URI matching fs.defaultFS, e.g. `hdfs://127.0.0.1:9000/user/a/.sparkStaging/app/x`. */
  resource: string;
  type: LocalResourceType;
  visibility: LocalResourceVisibility;
  /** Exact length from WebHDFS. */
  size: number;
  /** Exact modificationTime from WebHDFS; the NodeManager refuses a mismatch. */
  timestamp: number;
  /** Accepted by the RM but dropped when it builds the resource (REST PATTERN = unpack all). */
  pattern?: string;
}

/** The AM's ContainerLaunchContext (`am-container-spec`). */
export interface ContainerLaunchContextInfo {
  'local-resources'?: EntryMap<LocalResourceInfo>;
  environment?: EntryMap<string>;
  /** Several pieces are joined with spaces into ONE shell command by the NodeManager. */
  commands?: { command: string | string[] };
  /** Base64 values for NodeManager auxiliary services. */
  'service-data'?: EntryMap<string>;
  /** tokens: alias -> Token.encodeToUrlString form; secrets: alias -> base64 bytes. */
  credentials?: { tokens?: EntryMap<string>; secrets?: EntryMap<string> };
  /** VIEW_APP / MODIFY_APP -> ACL string. */
  'application-acls'?: EntryMap<string>;
}

export interface LogAggregationContextInfo {
  'log-include-pattern'?: string;
  'log-exclude-pattern'?: string;
  'rolled-log-include-pattern'?: string;
  'rolled-log-exclude-pattern'?: string;
  'log-aggregation-policy-class-name'?: string;
  'log-aggregation-policy-parameters'?: string;
}

/** Body of `POST /ws/v1/cluster/apps` (the JSON root is the context itself). */
export interface ApplicationSubmissionContext {
  /** From new-application; the only required key. */
  'application-id': string;
  'application-name'?: string;
  /** Leaf queue; the RM uses `default` when absent. */
  queue?: string;
  /** Only the CapacityScheduler honours it; -1 = queue default. */
  priority?: number;
  'am-container-spec'?: ContainerLaunchContextInfo;
  /** Always false for tspark: the RM launches our AM. */
  'unmanaged-AM'?: boolean;
  /** <= 0 or above yarn.resourcemanager.am.max-attempts means the cluster maximum. */
  'max-app-attempts'?: number;
  /** AM container size; above the scheduler maximum is a 400. */
  resource?: ResourceInfo;
  /** Free text (≤ 20 characters), e.g. `TSPARK`. */
  'application-type'?: string;
  'keep-containers-across-application-attempts'?: boolean;
  'application-tags'?: { tag: string[] };
  'log-aggregation-context'?: LogAggregationContextInfo;
  /** Milliseconds; failures older than this do not count against max attempts. */
  'attempt-failures-validity-interval'?: number;
  'reservation-id'?: string;
  'cancel-tokens-when-complete'?: boolean;
  'app-node-label-expression'?: string;
  'am-container-node-label-expression'?: string;
}

/** Body of `PUT /apps/{id}/state`: only KILLED is accepted as a target. */
export interface AppStateUpdate {
  state: 'KILLED';
  diagnostics?: string;
}

// ---- responses ---------------------------------------------------------------

/** `GET /ws/v1/cluster/info` -> `{"clusterInfo": ...}`. */
export interface ClusterInfo {
  id: number;
  startedOn: number;
  state: 'NOTINITED' | 'INITED' | 'STARTED' | 'STOPPED';
  haState: 'INITIALIZING' | 'ACTIVE' | 'STANDBY' | 'STOPPED';
  rmStateStoreName?: string;
  resourceManagerVersion: string;
  resourceManagerBuildVersion: string;
  resourceManagerVersionBuiltOn: string;
  hadoopVersion: string;
  hadoopBuildVersion: string;
  hadoopVersionBuiltOn: string;
  haZooKeeperConnectionState?: string;
}

/** `GET /ws/v1/cluster/metrics` -> `{"clusterMetrics": ...}`. */
export interface ClusterMetrics {
  appsSubmitted: number;
  appsCompleted: number;
  appsPending: number;
  appsRunning: number;
  appsFailed: number;
  appsKilled: number;
  reservedMB: number;
  availableMB: number;
  allocatedMB: number;
  totalMB: number;
  reservedVirtualCores: number;
  availableVirtualCores: number;
  allocatedVirtualCores: number;
  totalVirtualCores: number;
  containersAllocated: number;
  containersReserved: number;
  containersPending: number;
  totalNodes: number;
  activeNodes: number;
  lostNodes: number;
  unhealthyNodes: number;
  decommissioningNodes?: number;
  decommissionedNodes: number;
  rebootedNodes: number;
  shutdownNodes?: number;
}

/** `POST /ws/v1/cluster/apps/new-application`. */
export interface NewApplication {
  'application-id': string;
  'maximum-resource-capability': ResourceInfo & { resourceInformations?: unknown };
}

/** `GET /ws/v1/cluster/apps/{id}` -> `{"app": ...}` (fields a client reads; the RM sends more). */
export interface AppInfo {
  id: string;
  user: string;
  name: string;
  queue: string;
  state: YarnApplicationState;
  finalStatus: FinalApplicationStatus;
  /** 0–100. */
  progress: number;
  trackingUI?: string;
  trackingUrl?: string;
  diagnostics: string;
  clusterId: number;
  applicationType: string;
  /** Comma-separated. */
  applicationTags: string;
  priority?: number;
  startedTime: number;
  launchTime?: number;
  finishedTime: number;
  elapsedTime: number;
  amContainerLogs?: string;
  amHostHttpAddress?: string;
  amRPCAddress?: string;
  masterNodeId?: string;
  allocatedMB: number;
  allocatedVCores: number;
  reservedMB?: number;
  reservedVCores?: number;
  runningContainers: number;
  memorySeconds: number;
  vcoreSeconds: number;
  queueUsagePercentage?: number;
  clusterUsagePercentage?: number;
  preemptedResourceMB?: number;
  preemptedResourceVCores?: number;
  numNonAMContainerPreempted?: number;
  numAMContainerPreempted?: number;
  logAggregationStatus?:
    'DISABLED' | 'NOT_START' | 'RUNNING' | 'RUNNING_WITH_FAILURE' | 'SUCCEEDED' | 'FAILED' | 'TIME_OUT';
  unmanagedApplication: boolean;
  appNodeLabelExpression?: string;
  amNodeLabelExpression?: string;
}

/** `GET /apps/{id}/appattempts` -> `{"appAttempts": {"appAttempt": [...]}}`. */
export interface AppAttemptInfo {
  /** Attempt number, 1-based. */
  id: number;
  startTime: number;
  finishedTime: number;
  /** The AM container. */
  containerId: string;
  nodeHttpAddress: string;
  nodeId: string;
  /** NodeManager HTML log page (not a REST endpoint). */
  logsLink: string;
  blacklistedNodes: string;
  nodesBlacklistedBySystem?: string;
  appAttemptId: string;
  appAttemptState?: string;
}

/** `GET /ws/v1/cluster/nodes` -> `{"nodes": {"node": [...]}}`. */
export interface NodeInfo {
  id: string;
  rack: string;
  state:
    'NEW' | 'RUNNING' | 'UNHEALTHY' | 'DECOMMISSIONING' | 'DECOMMISSIONED' | 'LOST' | 'REBOOTED' | 'SHUTDOWN';
  nodeHostName: string;
  nodeHTTPAddress: string;
  lastHealthUpdate: number;
  version: string;
  healthReport: string;
  numContainers: number;
  usedMemoryMB: number;
  availMemoryMB: number;
  usedVirtualCores: number;
  availableVirtualCores: number;
}

/** One queue of the CapacityScheduler tree (fields the client reads). */
export interface CapacitySchedulerQueue {
  queueName: string;
  /** Present on 3.x: `root.default`. */
  queuePath?: string;
  type?: string;
  state?: string;
  capacity?: number;
  maxCapacity?: number;
  usedCapacity?: number;
  queues?: { queue: CapacitySchedulerQueue[] } | null;
}

/** `GET /ws/v1/cluster/scheduler` -> `{"scheduler": {"schedulerInfo": ...}}`; the shape depends on `type`. */
export interface SchedulerInfo {
  type: 'capacityScheduler' | 'fairScheduler' | 'fifoScheduler' | string;
  queueName?: string;
  queuePath?: string;
  queues?: { queue: CapacitySchedulerQueue[] } | null;
  [key: string]: unknown;
}
