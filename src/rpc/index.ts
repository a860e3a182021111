/** tspark's own RPC transport: framing, mutual authentication, connections. See docs/internals/rpc.md. */
export { FrameDecoder } from './codec/frame-decoder.js';
export { DEFAULT_MAX_FRAME_BYTES, FrameKind, type RawFrame } from './codec/frame.js';
export { type RpcMessage } from './codec/app-frame.js';
export {
  MAX_FRAME_SIZE_KEY,
  RpcAuthError,
  RpcConnectionClosedError,
  RpcFrameTooLargeError,
  RpcProtocolError,
  RpcRemoteError,
  RpcStateError,
  RpcTimeoutError,
  RpcUnreachableError,
} from './errors.js';
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  RpcConnection,
  RpcReply,
  type RequestOptions,
  type RpcCallContext,
  type RpcConnectionState,
  type RpcHandler,
  type RpcHandlerResult,
  type RpcResponse,
} from './rpc-connection.js';
export { RpcBindError, RpcServer, type RpcServerOptions } from './rpc-server.js';
export {
  DEFAULT_CONNECT_ATTEMPTS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  RpcClient,
  type RpcConnectOptions,
} from './rpc-client.js';
export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { resolveDriverEndpointAddress, type DriverEndpointAddress } from './endpoint-address.js';
export { rpcSettings, type RpcSettings } from './rpc-settings.js';
