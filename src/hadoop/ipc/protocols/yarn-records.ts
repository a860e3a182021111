import { bigIntToLong, longToBigInt, presentField, type DecodedMessage } from '../proto/messages.js';
import type { HadoopToken } from '../../security/token.js';
import type { ApplicationAttemptId, ApplicationId, ContainerId, NodeId } from './yarn-ids.js';

/**
 * YARN records as plain TypeScript objects, and their mapping to and from
 * the protobuf messages (hadoop.yarn). Encoders set the same fields, with the
 * same explicit values, as Hadoop's Java record classes do (checked byte for
 * byte against test/fixtures/ipc). Decoders read absent fields with the
 * proto defaults, as Java getters do.
 */

type Proto = Record<string, unknown>;

// ---- small decode helpers ------------------------------------------------------

const sub = (m: DecodedMessage, f: string) => presentField<DecodedMessage>(m, f);
const list = (m: DecodedMessage, f: string) => (m[f] as DecodedMessage[] | undefined) ?? [];
const int64 = (m: DecodedMessage, f: string) => longToBigInt(m[f] as number);

function enumName<T extends string>(names: Record<number, T>, value: unknown, what: string): T {
  const name = names[value as number];
  if (name === undefined) throw new Error(`unknown ${what} value ${String(value)}`);
  return name;
}

function invert<T extends string>(names: Record<number, T>): Record<T, number> {
  return Object.fromEntries(Object.entries(names).map(([k, v]) => [v, Number(k)])) as Record<T, number>;
}

// ---- ids ---------------------------------------------------------------------------

export function applicationIdToProto(id: ApplicationId): Proto {
  return { id: id.id, cluster_timestamp: bigIntToLong(id.clusterTimestamp) };
}

export function applicationIdFromProto(m: DecodedMessage | undefined): ApplicationId {
  return m
    ? { id: m.id as number, clusterTimestamp: int64(m, 'cluster_timestamp') }
    : { id: 0, clusterTimestamp: 0n };
}

export function attemptIdToProto(id: ApplicationAttemptId): Proto {
  return { application_id: applicationIdToProto(id.applicationId), attemptId: id.attemptId };
}

export function attemptIdFromProto(m: DecodedMessage | undefined): ApplicationAttemptId {
  return {
    applicationId: applicationIdFromProto(m ? sub(m, 'application_id') : undefined),
    attemptId: m ? (m.attemptId as number) : 0,
  };
}

/** Fields 2 and 3 only: current servers ignore the legacy app_id (field 1). */
export function containerIdToProto(id: ContainerId): Proto {
  return { app_attempt_id: attemptIdToProto(id.applicationAttemptId), id: bigIntToLong(id.containerId) };
}

export function containerIdFromProto(m: DecodedMessage | undefined): ContainerId {
  return {
    applicationAttemptId: attemptIdFromProto(m ? sub(m, 'app_attempt_id') : undefined),
    containerId: m ? int64(m, 'id') : 0n,
  };
}

export function nodeIdToProto(id: NodeId): Proto {
  return { host: id.host, port: id.port };
}

export function nodeIdFromProto(m: DecodedMessage | undefined): NodeId {
  return { host: (m?.host as string) ?? '', port: (m?.port as number) ?? 0 };
}

// ---- tokens ---------------------------------------------------------------------------

/** hadoop.common.TokenProto: all four fields are required, so an empty service is still written. */
export function tokenToProto(t: HadoopToken): Proto {
  return { identifier: t.identifier, password: t.password, kind: t.kind, service: t.service };
}

export function tokenFromProto(m: DecodedMessage): HadoopToken {
  return {
    identifier: m.identifier as Uint8Array,
    password: m.password as Uint8Array,
    kind: m.kind as string,
    service: m.service as string,
  };
}

// ---- resources ---------------------------------------------------------------------

export interface Resource {
  memoryMb: number;
  vcores: number;
  /** Every resource type the server reported (memory-mb and vcores included); decode only. */
  resourceTypes?: Array<{ name: string; value: bigint; units: string }>;
}

/**
 * As Hadoop's ResourcePBImpl writes it: memory and vcores, plus the same two
 * in resource_value_map (memory-mb in Mi, vcores unitless, COUNTABLE).
 */
export function resourceToProto(r: Resource): Proto {
  return {
    memory: bigIntToLong(BigInt(r.memoryMb)),
    virtual_cores: r.vcores,
    resource_value_map: [
      { key: 'memory-mb', value: bigIntToLong(BigInt(r.memoryMb)), units: 'Mi', type: 0 },
      { key: 'vcores', value: bigIntToLong(BigInt(r.vcores)), units: '', type: 0 },
    ],
  };
}

export function resourceFromProto(m: DecodedMessage | undefined): Resource | undefined {
  if (!m) return undefined;
  const types = list(m, 'resource_value_map').map((e) => ({
    name: e.key as string,
    value: int64(e, 'value'),
    units: e.units as string,
  }));
  const byName = (name: string) => types.find((t) => t.name === name)?.value;
  return {
    // Newer servers may fill only the map; prefer the explicit fields when present.
    memoryMb: Number(
      presentField(m, 'memory') !== undefined ? int64(m, 'memory') : (byName('memory-mb') ?? 0n),
    ),
    vcores: presentField<number>(m, 'virtual_cores') ?? Number(byName('vcores') ?? 0n),
    ...(types.length > 0 ? { resourceTypes: types } : {}),
  };
}

// ---- enums --------------------------------------------------------------------------------

export type ExecutionType = 'GUARANTEED' | 'OPPORTUNISTIC';
const EXECUTION_TYPE: Record<number, ExecutionType> = { 1: 'GUARANTEED', 2: 'OPPORTUNISTIC' };
const EXECUTION_TYPE_NUMBER = invert(EXECUTION_TYPE);

export type ContainerState = 'NEW' | 'RUNNING' | 'COMPLETE';
const CONTAINER_STATE: Record<number, ContainerState> = { 1: 'NEW', 2: 'RUNNING', 3: 'COMPLETE' };

export type FinalApplicationStatus = 'UNDEFINED' | 'SUCCEEDED' | 'FAILED' | 'KILLED' | 'ENDED';
const FINAL_STATUS: Record<number, FinalApplicationStatus> = {
  0: 'UNDEFINED',
  1: 'SUCCEEDED',
  2: 'FAILED',
  3: 'KILLED',
  4: 'ENDED',
};
export const FINAL_STATUS_NUMBER = invert(FINAL_STATUS);

export type ApplicationAccessType = 'VIEW_APP' | 'MODIFY_APP';
const ACCESS_TYPE: Record<number, ApplicationAccessType> = { 1: 'VIEW_APP', 2: 'MODIFY_APP' };
const ACCESS_TYPE_NUMBER = invert(ACCESS_TYPE);

export type AMCommand = 'RESYNC' | 'SHUTDOWN';
const AM_COMMAND: Record<number, AMCommand> = { 1: 'RESYNC', 2: 'SHUTDOWN' };

export type NodeState =
  'NEW' | 'RUNNING' | 'UNHEALTHY' | 'DECOMMISSIONED' | 'LOST' | 'REBOOTED' | 'DECOMMISSIONING' | 'SHUTDOWN';
const NODE_STATE: Record<number, NodeState> = {
  1: 'NEW',
  2: 'RUNNING',
  3: 'UNHEALTHY',
  4: 'DECOMMISSIONED',
  5: 'LOST',
  6: 'REBOOTED',
  7: 'DECOMMISSIONING',
  8: 'SHUTDOWN',
};

export type LocalResourceType = 'ARCHIVE' | 'FILE' | 'PATTERN';
const LOCAL_RESOURCE_TYPE_NUMBER: Record<LocalResourceType, number> = { ARCHIVE: 1, FILE: 2, PATTERN: 3 };
export type LocalResourceVisibility = 'PUBLIC' | 'PRIVATE' | 'APPLICATION';
const VISIBILITY_NUMBER: Record<LocalResourceVisibility, number> = { PUBLIC: 1, PRIVATE: 2, APPLICATION: 3 };

// ---- containers and statuses ------------------------------------------------------

export interface Container {
  id: ContainerId;
  nodeId: NodeId;
  nodeHttpAddress: string;
  resource: Resource | undefined;
  priority: number;
  /** Pass unchanged to startContainers. */
  containerToken: HadoopToken | undefined;
  executionType: ExecutionType;
  allocationRequestId: bigint;
  version: number;
  allocationTags: string[];
}

export function containerFromProto(m: DecodedMessage): Container {
  const token = sub(m, 'container_token');
  return {
    id: containerIdFromProto(sub(m, 'id')),
    nodeId: nodeIdFromProto(sub(m, 'nodeId')),
    nodeHttpAddress: m.node_http_address as string,
    resource: resourceFromProto(sub(m, 'resource')),
    priority: (sub(m, 'priority')?.priority as number | undefined) ?? 0,
    containerToken: token ? tokenFromProto(token) : undefined,
    executionType: enumName(EXECUTION_TYPE, m.execution_type, 'ExecutionTypeProto'),
    allocationRequestId: int64(m, 'allocation_request_id'),
    version: m.version as number,
    allocationTags: (m.allocation_tags as string[] | undefined) ?? [],
  };
}

export interface ContainerStatus {
  containerId: ContainerId;
  state: ContainerState | undefined;
  diagnostics: string;
  /** ContainerExitStatus: 0, a process exit code, or negative YARN codes (-100 aborted, -104 pmem, ...). */
  exitStatus: number;
  capability: Resource | undefined;
  executionType: ExecutionType;
}

export function containerStatusFromProto(m: DecodedMessage): ContainerStatus {
  const state = presentField<number>(m, 'state');
  return {
    containerId: containerIdFromProto(sub(m, 'container_id')),
    state: state === undefined ? undefined : enumName(CONTAINER_STATE, state, 'ContainerStateProto'),
    diagnostics: m.diagnostics as string,
    exitStatus: m.exit_status as number,
    capability: resourceFromProto(sub(m, 'capability')),
    executionType: enumName(EXECUTION_TYPE, m.executionType, 'ExecutionTypeProto'),
  };
}

export interface NodeReport {
  nodeId: NodeId;
  httpAddress: string;
  rackName: string;
  state: NodeState | undefined;
  healthReport: string;
  numContainers: number;
}

function nodeReportFromProto(m: DecodedMessage): NodeReport {
  const state = presentField<number>(m, 'node_state');
  return {
    nodeId: nodeIdFromProto(sub(m, 'nodeId')),
    httpAddress: m.httpAddress as string,
    rackName: m.rackName as string,
    state: state === undefined ? undefined : NODE_STATE[state],
    healthReport: m.health_report as string,
    numContainers: m.numContainers as number,
  };
}

export interface NMToken {
  nodeId: NodeId;
  token: HadoopToken;
}

function nmTokenFromProto(m: DecodedMessage): NMToken {
  const token = sub(m, 'token');
  if (!token) throw new Error('NMTokenProto without a token');
  return { nodeId: nodeIdFromProto(sub(m, 'nodeId')), token: tokenFromProto(token) };
}

// ---- ApplicationMasterProtocol ---------------------------------------------------

export interface RegisterApplicationMasterRequest {
  host: string;
  /** -1 when the AM serves no RPC. */
  rpcPort: number;
  trackingUrl: string;
}

export function registerRequestToProto(r: RegisterApplicationMasterRequest): Proto {
  return { host: r.host, rpc_port: r.rpcPort, tracking_url: r.trackingUrl };
}

export interface ApplicationAcl {
  accessType: ApplicationAccessType;
  acl: string;
}

export interface RegisterApplicationMasterResponse {
  maximumCapability: Resource | undefined;
  applicationAcls: ApplicationAcl[];
  containersFromPreviousAttempts: Container[];
  queue: string | undefined;
  nmTokensFromPreviousAttempts: NMToken[];
  schedulerResourceTypes: Array<'MEMORY' | 'CPU'>;
}

export function registerResponseFromProto(m: DecodedMessage): RegisterApplicationMasterResponse {
  return {
    maximumCapability: resourceFromProto(sub(m, 'maximumCapability')),
    applicationAcls: list(m, 'application_ACLs').map((a) => ({
      accessType: enumName(ACCESS_TYPE, a.accessType, 'ApplicationAccessTypeProto'),
      acl: a.acl as string,
    })),
    containersFromPreviousAttempts: list(m, 'containers_from_previous_attempts').map(containerFromProto),
    queue: presentField<string>(m, 'queue'),
    nmTokensFromPreviousAttempts: list(m, 'nm_tokens_from_previous_attempts').map(nmTokenFromProto),
    schedulerResourceTypes: ((m.scheduler_resource_types as number[] | undefined) ?? []).map((t) =>
      t === 1 ? 'CPU' : 'MEMORY',
    ),
  };
}

export interface ResourceRequest {
  /** Lower is more important. Part of the RM's request key with allocationRequestId. */
  priority: number;
  /** '*' (any), a host name as the RM knows it, or a rack such as /default-rack. */
  resourceName: string;
  capability: Resource;
  /** The total still wanted for this key, not an increment. */
  numContainers: number;
  relaxLocality?: boolean;
  nodeLabelExpression?: string;
  executionType?: ExecutionType;
  enforceExecutionType?: boolean;
  /** Java's AMRMClient uses 0 unless told otherwise. */
  allocationRequestId?: bigint;
}

export const RESOURCE_NAME_ANY = '*';

/** As ResourceRequest.newBuilder()...build() encodes it in Hadoop 3.4. */
export function resourceRequestToProto(r: ResourceRequest): Proto {
  const out: Proto = {
    priority: { priority: r.priority },
    resource_name: r.resourceName,
    capability: resourceToProto(r.capability),
    num_containers: r.numContainers,
    relax_locality: r.relaxLocality ?? true,
  };
  if (r.nodeLabelExpression !== undefined) out.node_label_expression = r.nodeLabelExpression;
  out.execution_type_request = {
    execution_type: EXECUTION_TYPE_NUMBER[r.executionType ?? 'GUARANTEED'],
    enforce_execution_type: r.enforceExecutionType ?? false,
  };
  out.allocation_request_id = bigIntToLong(r.allocationRequestId ?? 0n);
  return out;
}

export interface AllocateRequest {
  /** Echo the last response's id; 0 after (re-)registration. */
  responseId: number;
  /** 0..1 */
  progress: number;
  ask?: ResourceRequest[];
  release?: ContainerId[];
  blacklistAdditions?: string[];
  blacklistRemovals?: string[];
  /** Updates the tracking URL shown by the RM. */
  trackingUrl?: string;
}

export function allocateRequestToProto(r: AllocateRequest): Proto {
  const out: Proto = {};
  if (r.ask && r.ask.length > 0) out.ask = r.ask.map(resourceRequestToProto);
  if (r.release && r.release.length > 0) out.release = r.release.map(containerIdToProto);
  if (r.blacklistAdditions?.length || r.blacklistRemovals?.length) {
    out.blacklist_request = {
      blacklist_additions: r.blacklistAdditions ?? [],
      blacklist_removals: r.blacklistRemovals ?? [],
    };
  }
  out.response_id = r.responseId;
  out.progress = r.progress;
  if (r.trackingUrl !== undefined) out.tracking_url = r.trackingUrl;
  return out;
}

export interface PreemptionMessage {
  /** Containers the scheduler will take back regardless. */
  strictContainers: ContainerId[];
  /** Containers the AM may give back (or release equivalent resources). */
  negotiableContainers: ContainerId[];
}

export interface AllocateResponse {
  responseId: number;
  amCommand: AMCommand | undefined;
  allocatedContainers: Container[];
  completedContainerStatuses: ContainerStatus[];
  /** Headroom. */
  limit: Resource | undefined;
  updatedNodes: NodeReport[];
  numClusterNodes: number;
  preemption: PreemptionMessage | undefined;
  nmTokens: NMToken[];
  /** A rolled AMRMToken: use it for the next connection to the RM. */
  amRmToken: HadoopToken | undefined;
  applicationPriority: number | undefined;
  containersFromPreviousAttempts: Container[];
}

export function allocateResponseFromProto(m: DecodedMessage): AllocateResponse {
  const command = presentField<number>(m, 'a_m_command');
  const preempt = sub(m, 'preempt');
  const ids = (c: DecodedMessage | undefined, f: string) =>
    c ? list(c, f).map((p) => containerIdFromProto(sub(p, 'id'))) : [];
  const amRmToken = sub(m, 'am_rm_token');
  const priority = sub(m, 'application_priority');
  return {
    responseId: m.response_id as number,
    amCommand: command === undefined ? undefined : AM_COMMAND[command],
    allocatedContainers: list(m, 'allocated_containers').map(containerFromProto),
    completedContainerStatuses: list(m, 'completed_container_statuses').map(containerStatusFromProto),
    limit: resourceFromProto(sub(m, 'limit')),
    updatedNodes: list(m, 'updated_nodes').map(nodeReportFromProto),
    numClusterNodes: m.num_cluster_nodes as number,
    preemption: preempt
      ? {
          strictContainers: ids(sub(preempt, 'strictContract'), 'container'),
          negotiableContainers: ids(sub(preempt, 'contract'), 'container'),
        }
      : undefined,
    nmTokens: list(m, 'nm_tokens').map(nmTokenFromProto),
    amRmToken: amRmToken ? tokenFromProto(amRmToken) : undefined,
    applicationPriority: priority ? (priority.priority as number) : undefined,
    containersFromPreviousAttempts: list(m, 'containers_from_previous_attempts').map(containerFromProto),
  };
}

export interface FinishApplicationMasterRequest {
  finalStatus: FinalApplicationStatus;
  diagnostics?: string;
  trackingUrl?: string;
}

export function finishRequestToProto(r: FinishApplicationMasterRequest): Proto {
  const out: Proto = {};
  if (r.diagnostics !== undefined) out.diagnostics = r.diagnostics;
  if (r.trackingUrl !== undefined) out.tracking_url = r.trackingUrl;
  out.final_application_status = FINAL_STATUS_NUMBER[r.finalStatus];
  return out;
}

export interface FinishApplicationMasterResponse {
  /** False while the RM is still saving the final state: call again. */
  isUnregistered: boolean;
}

// ---- ContainerManagementProtocol ---------------------------------------------

export interface LocalResource {
  url: { scheme: string; host?: string; port?: number; file: string; userInfo?: string };
  /** File length in bytes. */
  size: number;
  /** Must equal the file's modification time (ms) on its file system. */
  timestamp: number;
  type: LocalResourceType;
  visibility: LocalResourceVisibility;
  pattern?: string;
}

export interface ContainerLaunchContext {
  /** Link name in the container's working directory -> resource. */
  localResources?: Record<string, LocalResource>;
  environment?: Record<string, string>;
  /** Joined with spaces and run by bash; <LOG_DIR> and {{VAR}} are expanded by the NM. */
  commands?: string[];
  /** A whole token storage file ("HDTS"), e.g. from writeTokenStorage; never the AM's own file. */
  tokens?: Uint8Array;
  serviceData?: Record<string, Uint8Array>;
  applicationAcls?: Partial<Record<ApplicationAccessType, string>>;
}

function localResourceToProto(r: LocalResource): Proto {
  const url: Proto = { scheme: r.url.scheme };
  if (r.url.host !== undefined) url.host = r.url.host;
  if (r.url.port !== undefined) url.port = r.url.port;
  url.file = r.url.file;
  if (r.url.userInfo !== undefined) url.userInfo = r.url.userInfo;
  const out: Proto = {
    resource: url,
    size: bigIntToLong(BigInt(r.size)),
    timestamp: bigIntToLong(BigInt(r.timestamp)),
    type: LOCAL_RESOURCE_TYPE_NUMBER[r.type],
    visibility: VISIBILITY_NUMBER[r.visibility],
  };
  if (r.pattern !== undefined) out.pattern = r.pattern;
  return out;
}

/** Field order as ContainerLaunchContextPBImpl writes them. */
export function launchContextToProto(c: ContainerLaunchContext): Proto {
  const out: Proto = {};
  const resources = Object.entries(c.localResources ?? {});
  if (resources.length > 0)
    out.localResources = resources.map(([key, value]) => ({ key, value: localResourceToProto(value) }));
  if (c.tokens !== undefined) out.tokens = c.tokens;
  const serviceData = Object.entries(c.serviceData ?? {});
  if (serviceData.length > 0) out.service_data = serviceData.map(([key, value]) => ({ key, value }));
  const env = Object.entries(c.environment ?? {});
  if (env.length > 0) out.environment = env.map(([key, value]) => ({ key, value }));
  if (c.commands && c.commands.length > 0) out.command = c.commands;
  const acls = Object.entries(c.applicationAcls ?? {}) as Array<[ApplicationAccessType, string]>;
  if (acls.length > 0)
    out.application_ACLs = acls.map(([type, acl]) => ({ accessType: ACCESS_TYPE_NUMBER[type], acl }));
  return out;
}

export interface StartContainerRequest {
  launchContext: ContainerLaunchContext;
  /** ContainerProto.container_token of the allocated container, unchanged. */
  containerToken: HadoopToken;
}

export function startContainersRequestToProto(requests: StartContainerRequest[]): Proto {
  return {
    start_container_request: requests.map((r) => ({
      container_launch_context: launchContextToProto(r.launchContext),
      container_token: tokenToProto(r.containerToken),
    })),
  };
}

export interface SerializedException {
  message: string;
  className: string;
  trace: string;
  cause: SerializedException | undefined;
}

function serializedExceptionFromProto(m: DecodedMessage | undefined): SerializedException {
  const cause = m ? sub(m, 'cause') : undefined;
  return {
    message: (m?.message as string) ?? '',
    className: (m?.class_name as string) ?? '',
    trace: (m?.trace as string) ?? '',
    cause: cause ? serializedExceptionFromProto(cause) : undefined,
  };
}

export interface ContainerFailure {
  containerId: ContainerId;
  exception: SerializedException;
}

function failuresFromProto(m: DecodedMessage, field: string): ContainerFailure[] {
  return list(m, field).map((f) => ({
    containerId: containerIdFromProto(sub(f, 'container_id')),
    exception: serializedExceptionFromProto(sub(f, 'exception')),
  }));
}

export interface StartContainersResponse {
  succeeded: ContainerId[];
  /** Per-container failures: the RPC itself succeeded. */
  failed: ContainerFailure[];
  servicesMetaData: Record<string, Uint8Array>;
}

export function startContainersResponseFromProto(m: DecodedMessage): StartContainersResponse {
  return {
    succeeded: list(m, 'succeeded_requests').map(containerIdFromProto),
    failed: failuresFromProto(m, 'failed_requests'),
    servicesMetaData: Object.fromEntries(
      list(m, 'services_meta_data').map((e) => [e.key as string, e.value as Uint8Array]),
    ),
  };
}

export function containerIdsRequestToProto(ids: ContainerId[]): Proto {
  return { container_id: ids.map(containerIdToProto) };
}

export interface StopContainersResponse {
  succeeded: ContainerId[];
  failed: ContainerFailure[];
}

export function stopContainersResponseFromProto(m: DecodedMessage): StopContainersResponse {
  return {
    succeeded: list(m, 'succeeded_requests').map(containerIdFromProto),
    failed: failuresFromProto(m, 'failed_requests'),
  };
}

export interface GetContainerStatusesResponse {
  statuses: ContainerStatus[];
  failed: ContainerFailure[];
}

export function getContainerStatusesResponseFromProto(m: DecodedMessage): GetContainerStatusesResponse {
  return {
    statuses: list(m, 'status').map(containerStatusFromProto),
    failed: failuresFromProto(m, 'failed_requests'),
  };
}
