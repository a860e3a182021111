/**
 * Hadoop IPC constants (RpcConstants, Server, AuthProtocol in hadoop-common,
 * IPC version 9). Facts only; see docs/architecture.md for how they are used.
 */

/** The 4 ASCII bytes every connection starts with. */
export const IPC_MAGIC = Uint8Array.from([0x68, 0x72, 0x70, 0x63]); // "hrpc"
/** RpcConstants.CURRENT_VERSION. */
export const IPC_VERSION = 9;
/** RPC.RPC_SERVICE_CLASS_DEFAULT. */
export const SERVICE_CLASS_DEFAULT = 0;

/** The preamble's auth protocol byte. SASL is written as the byte of its call id, -33. */
export const AuthProtocol = {
  NONE: 0,
  SASL: -33,
} as const;
export type AuthProtocolValue = (typeof AuthProtocol)[keyof typeof AuthProtocol];

/** Special call ids. Normal calls use 0..2^31-1. */
export const CallId = {
  /** Server -> client only: fatal error before a call id is known. */
  AUTHORIZATION_FAILED: -1,
  INVALID: -2,
  CONNECTION_CONTEXT: -3,
  PING: -4,
  SASL: -33,
} as const;

/** RpcKindProto.RPC_PROTOCOL_BUFFER: every call we make. */
export const RPC_KIND_PROTOCOL_BUFFER = 2;
/** OperationProto.RPC_FINAL_PACKET: the only operation servers accept. */
export const RPC_OP_FINAL_PACKET = 0;

/** retryCount for SASL, connection context and ping frames (the proto default). */
export const RETRY_COUNT_NONE = -1;

export type RpcStatus = 'SUCCESS' | 'ERROR' | 'FATAL';
export const RPC_STATUS_BY_NUMBER: Record<number, RpcStatus> = { 0: 'SUCCESS', 1: 'ERROR', 2: 'FATAL' };

/** RpcErrorCodeProto names by number. */
export const RPC_ERROR_CODE_BY_NUMBER: Record<number, string> = {
  1: 'ERROR_APPLICATION',
  2: 'ERROR_NO_SUCH_METHOD',
  3: 'ERROR_NO_SUCH_PROTOCOL',
  4: 'ERROR_RPC_SERVER',
  5: 'ERROR_SERIALIZING_RESPONSE',
  6: 'ERROR_RPC_VERSION_MISMATCH',
  10: 'FATAL_UNKNOWN',
  11: 'FATAL_UNSUPPORTED_SERIALIZATION',
  12: 'FATAL_INVALID_RPC_HEADER',
  13: 'FATAL_DESERIALIZING_REQUEST',
  14: 'FATAL_VERSION_MISMATCH',
  15: 'FATAL_UNAUTHORIZED',
};

/**
 * Largest frame we accept from a server. Hadoop's own client limit is
 * ipc.maximum.response.length (128 MiB by default).
 */
export const MAX_RESPONSE_FRAME_BYTES = 128 * 1024 * 1024;
