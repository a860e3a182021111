import protobuf from 'protobufjs';
import { ipcSchemaJson } from './schema.generated.js';

/**
 * The protobuf types tspark exchanges with Hadoop IPC servers, loaded once
 * from the generated JSON descriptor (see hadoop_common.proto and
 * hadoop_yarn.proto for the schema and how to regenerate it).
 *
 * protobufjs keeps proto2 presence: a field is written when its property is
 * set (even to 0, '' or false) and skipped when undefined; decoded messages
 * own a property only for fields that were on the wire. 64-bit fields decode
 * to `Long`; convert at the edge with `longToBigInt` / `bigIntToLong`.
 */
const root = protobuf.Root.fromJSON(ipcSchemaJson);
root.resolveAll();

function lookup(name: string): protobuf.Type {
  return root.lookupType(name);
}

export const CommonTypes = {
  RpcRequestHeaderProto: lookup('hadoop.common.RpcRequestHeaderProto'),
  RpcResponseHeaderProto: lookup('hadoop.common.RpcResponseHeaderProto'),
  RpcSaslProto: lookup('hadoop.common.RpcSaslProto'),
  IpcConnectionContextProto: lookup('hadoop.common.IpcConnectionContextProto'),
  RequestHeaderProto: lookup('hadoop.common.RequestHeaderProto'),
  TokenProto: lookup('hadoop.common.TokenProto'),
  CredentialsProto: lookup('hadoop.common.CredentialsProto'),
} as const;

export const YarnTypes = {
  RegisterApplicationMasterRequestProto: lookup('hadoop.yarn.RegisterApplicationMasterRequestProto'),
  RegisterApplicationMasterResponseProto: lookup('hadoop.yarn.RegisterApplicationMasterResponseProto'),
  AllocateRequestProto: lookup('hadoop.yarn.AllocateRequestProto'),
  AllocateResponseProto: lookup('hadoop.yarn.AllocateResponseProto'),
  FinishApplicationMasterRequestProto: lookup('hadoop.yarn.FinishApplicationMasterRequestProto'),
  FinishApplicationMasterResponseProto: lookup('hadoop.yarn.FinishApplicationMasterResponseProto'),
  StartContainersRequestProto: lookup('hadoop.yarn.StartContainersRequestProto'),
  StartContainersResponseProto: lookup('hadoop.yarn.StartContainersResponseProto'),
  StopContainersRequestProto: lookup('hadoop.yarn.StopContainersRequestProto'),
  StopContainersResponseProto: lookup('hadoop.yarn.StopContainersResponseProto'),
  GetContainerStatusesRequestProto: lookup('hadoop.yarn.GetContainerStatusesRequestProto'),
  GetContainerStatusesResponseProto: lookup('hadoop.yarn.GetContainerStatusesResponseProto'),
  ContainerLaunchContextProto: lookup('hadoop.yarn.ContainerLaunchContextProto'),
  ContainerIdProto: lookup('hadoop.yarn.ContainerIdProto'),
  AMRMTokenIdentifierProto: lookup('hadoop.yarn.AMRMTokenIdentifierProto'),
  NMTokenIdentifierProto: lookup('hadoop.yarn.NMTokenIdentifierProto'),
} as const;

/** Every message type by full name, for schema checks and fixtures. */
export function lookupMessageType(fullName: string): protobuf.Type {
  return lookup(fullName);
}

/** A decoded message: fields present on the wire are own properties. */
export type DecodedMessage = Record<string, unknown>;

/** Encodes a plain object (proto field names, present fields set). */
export function encodeMessage(type: protobuf.Type, value: object): Uint8Array {
  return type.encode(value as Record<string, unknown>).finish();
}

/**
 * Decodes one message. Throws protobufjs's error on malformed bytes or a
 * missing required field; callers wrap it into an IPC protocol error.
 */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): DecodedMessage {
  return type.decode(bytes) as unknown as DecodedMessage;
}

/** True when `field` was present on the wire of a decoded message. */
export function hasField(message: DecodedMessage, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field);
}

/** The value of a field when present on the wire, else undefined (never a proto default). */
export function presentField<T>(message: DecodedMessage, field: string): T | undefined {
  return hasField(message, field) ? (message[field] as T) : undefined;
}

type LongLike = { toString(radix?: number): string } | number | string | bigint;

/** Converts a decoded int64/uint64 value (Long, or number for small ones) to bigint. */
export function longToBigInt(value: LongLike): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  return BigInt(value.toString(10));
}

/**
 * Converts a bigint to the {low, high} pair protobufjs writes for
 * int64/uint64 fields (its writer takes any object with those two words).
 */
export function bigIntToLong(value: bigint, unsigned = false): protobuf.Long {
  const bits = BigInt.asUintN(64, value);
  return {
    low: Number(bits & 0xffffffffn) | 0,
    high: Number(bits >> 32n) | 0,
    unsigned,
  } as protobuf.Long;
}
