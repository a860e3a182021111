// Hadoop IPC for tspark: protobuf-over-hrpc with SASL TOKEN/DIGEST-MD5, and
// the YARN protocols an ApplicationMaster speaks. See docs/architecture.md.

// Transport
export { IpcClient, type IpcClientOptions } from './transport/ipc-client.js';
export {
  IpcConnection,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  type IpcAuth,
  type IpcConnectionOptions,
  type IpcConnectionState,
} from './transport/ipc-connection.js';
export { ClientIdentity, type CallIdSource } from './transport/client-identity.js';
export type { RpcCallOptions, RpcChannel, RpcProtocol } from './rpc-channel.js';

// Errors
export {
  IpcCallTimeoutError,
  IpcConnectError,
  IpcConnectionClosedError,
  IpcProtocolError,
  RemoteError,
  SaslAuthError,
} from './errors.js';
export { RemoteErrorCode, remoteErrorRule, type RemoteErrorCodeValue } from './remote-errors.js';

// YARN protocols and records
export {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterProtocolClient,
} from './protocols/application-master-protocol.js';
export {
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerManagementProtocolClient,
} from './protocols/container-management-protocol.js';
export * from './protocols/yarn-ids.js';
export {
  RESOURCE_NAME_ANY,
  type AllocateRequest,
  type AllocateResponse,
  type AMCommand,
  type ApplicationAccessType,
  type ApplicationAcl,
  type Container,
  type ContainerFailure,
  type ContainerLaunchContext,
  type ContainerState,
  type ContainerStatus,
  type ExecutionType,
  type FinalApplicationStatus,
  type FinishApplicationMasterRequest,
  type FinishApplicationMasterResponse,
  type GetContainerStatusesResponse,
  type LocalResource,
  type LocalResourceType,
  type LocalResourceVisibility,
  type NMToken,
  type NodeReport,
  type NodeState,
  type PreemptionMessage,
  type RegisterApplicationMasterRequest,
  type RegisterApplicationMasterResponse,
  type Resource,
  type ResourceRequest,
  type SerializedException,
  type StartContainerRequest,
  type StartContainersResponse,
  type StopContainersResponse,
} from './protocols/yarn-records.js';

// Security: tokens, token files, SASL
export type { SaslQop } from '../security/sasl-client.js';
export { TokenKind, describeToken, type HadoopToken } from '../security/token.js';
export {
  findToken,
  parseTokenStorage,
  requireAmRmToken,
  TokenFileError,
  withoutAmRmToken,
  writeTokenStorage,
  type Credentials,
  type TokenStorageFormat,
} from '../security/credentials.js';
export {
  decodeAmRmTokenIdentifier,
  decodeNmTokenIdentifier,
  type AmRmTokenIdentifier,
  type NmTokenIdentifier,
} from '../security/token-identifiers.js';
