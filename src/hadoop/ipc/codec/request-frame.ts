import { IpcProtocolError } from '../errors.js';
import {
  CommonTypes,
  decodeMessage,
  encodeMessage,
  bigIntToLong,
  longToBigInt,
  presentField,
} from '../proto/messages.js';
import { CallId, RETRY_COUNT_NONE, RPC_KIND_PROTOCOL_BUFFER, RPC_OP_FINAL_PACKET } from './constants.js';
import { concatBytes, delimit, readDelimited } from './varint.js';

/**
 * Client -> server frames.
 *
 *   +------------------+-----------------------------+---------------------------+
 *   | length (4, BE)   | varint len | RpcRequestHeader | payload: 0..n delimited  |
 *   +------------------+-----------------------------+---------------------------+
 *
 * The length counts every byte after itself. Payloads by frame kind:
 *   normal call        RequestHeaderProto, then the method's request message
 *   SASL (-33)         one RpcSaslProto
 *   context (-3)       one IpcConnectionContextProto
 *   ping (-4)          nothing
 */

export interface RpcRequestHeader {
  callId: number;
  /** 16 bytes for calls, context and ping; empty for SASL frames. */
  clientId: Uint8Array;
  /** 0 for a first attempt, n for the n-th retry, -1 for SASL, context and ping. */
  retryCount: number;
}

/** The RpcRequestHeaderProto bytes (not delimited). rpcKind and rpcOp are always present. */
export function encodeRequestHeader(header: RpcRequestHeader): Uint8Array {
  return encodeMessage(CommonTypes.RpcRequestHeaderProto, {
    rpcKind: RPC_KIND_PROTOCOL_BUFFER,
    rpcOp: RPC_OP_FINAL_PACKET,
    callId: header.callId,
    clientId: header.clientId,
    retryCount: header.retryCount,
  });
}

/** A whole request frame: 4-byte length, then each part delimited. */
export function encodeRequestFrame(header: RpcRequestHeader, payloads: readonly Uint8Array[]): Uint8Array {
  const parts = [delimit(encodeRequestHeader(header)), ...payloads.map(delimit)];
  const body = concatBytes(parts);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length, false);
  out.set(body, 4);
  return out;
}

export interface RequestHeaderFields {
  methodName: string;
  declaringClassProtocolName: string;
  clientProtocolVersion: bigint;
}

export function encodeRpcRequestHeaderProto(fields: RequestHeaderFields): Uint8Array {
  return encodeMessage(CommonTypes.RequestHeaderProto, {
    methodName: fields.methodName,
    declaringClassProtocolName: fields.declaringClassProtocolName,
    clientProtocolVersion: bigIntToLong(fields.clientProtocolVersion, true),
  });
}

export interface CallFrameInput extends RequestHeaderFields {
  callId: number;
  clientId: Uint8Array;
  retryCount: number;
  /** The method's request message, already encoded (not delimited). */
  request: Uint8Array;
}

/** A normal call: header, RequestHeaderProto, request. */
export function encodeCallFrame(input: CallFrameInput): Uint8Array {
  return encodeRequestFrame(
    { callId: input.callId, clientId: input.clientId, retryCount: input.retryCount },
    [encodeRpcRequestHeaderProto(input), input.request],
  );
}

/** A keep-alive ping: only a header with call id -4; the server never answers. */
export function encodePingFrame(clientId: Uint8Array): Uint8Array {
  return encodeRequestFrame({ callId: CallId.PING, clientId, retryCount: RETRY_COUNT_NONE }, []);
}

export interface DecodedRequestFrame {
  header: RpcRequestHeader & { rpcKind: number | undefined; rpcOp: number | undefined };
  /** Each delimited payload after the header, without its length prefix. */
  payloads: Uint8Array[];
}

/**
 * Splits a request frame body (the bytes after the 4-byte length) into its
 * header and delimited payloads. Servers do this; tspark uses it in tests and
 * to check Hadoop-made fixtures.
 */
export function decodeRequestFrame(body: Uint8Array): DecodedRequestFrame {
  const first = readDelimited(body, 0, 'RpcRequestHeaderProto');
  let raw;
  try {
    raw = decodeMessage(CommonTypes.RpcRequestHeaderProto, first.bytes);
  } catch (e) {
    throw new IpcProtocolError(`cannot decode RpcRequestHeaderProto: ${(e as Error).message}`, { cause: e });
  }
  const payloads: Uint8Array[] = [];
  let at = first.next;
  while (at < body.length) {
    const next = readDelimited(body, at, 'request payload');
    payloads.push(next.bytes);
    at = next.next;
  }
  return {
    header: {
      rpcKind: presentField<number>(raw, 'rpcKind'),
      rpcOp: presentField<number>(raw, 'rpcOp'),
      callId: raw.callId as number,
      clientId: raw.clientId as Uint8Array,
      retryCount: raw.retryCount as number,
    },
    payloads,
  };
}

export function decodeRpcRequestHeaderProto(bytes: Uint8Array): RequestHeaderFields {
  const raw = decodeMessage(CommonTypes.RequestHeaderProto, bytes);
  return {
    methodName: raw.methodName as string,
    declaringClassProtocolName: raw.declaringClassProtocolName as string,
    clientProtocolVersion: longToBigInt(raw.clientProtocolVersion as number),
  };
}
