import { IpcProtocolError } from '../errors.js';
import { CommonTypes, decodeMessage, encodeMessage, presentField } from '../proto/messages.js';
import { RPC_ERROR_CODE_BY_NUMBER, RPC_STATUS_BY_NUMBER, type RpcStatus } from './constants.js';
import { concatBytes, delimit, readDelimited } from './varint.js';

/**
 * Server -> client frames.
 *
 *   +----------------+-------------------------------+---------------------------+
 *   | length (4, BE) | varint len | RpcResponseHeader | SUCCESS only: varint len |
 *   |                |                               | | response or RpcSaslProto |
 *   +----------------+-------------------------------+---------------------------+
 *
 * On ERROR and FATAL nothing follows the header. The response header's callId
 * is uint32: -33 arrives as DF FF FF FF 0F and is read back as a signed int.
 */

export interface RpcResponseHeader {
  /** Signed: -33 for SASL, -1 for fatal errors before a call id is known. */
  callId: number;
  status: RpcStatus;
  serverIpcVersionNum?: number | undefined;
  exceptionClassName?: string | undefined;
  errorMsg?: string | undefined;
  /** RpcErrorCodeProto name. */
  errorDetail?: string | undefined;
  clientId?: Uint8Array | undefined;
  retryCount?: number | undefined;
}

export interface DecodedResponseFrame {
  header: RpcResponseHeader;
  /** The delimited message after a SUCCESS header, without its length prefix. */
  payload: Uint8Array | undefined;
}

/** Decodes a response frame body (the bytes after the 4-byte length). */
export function decodeResponseFrame(body: Uint8Array): DecodedResponseFrame {
  const first = readDelimited(body, 0, 'RpcResponseHeaderProto');
  let raw;
  try {
    raw = decodeMessage(CommonTypes.RpcResponseHeaderProto, first.bytes);
  } catch (e) {
    throw new IpcProtocolError(`cannot decode RpcResponseHeaderProto: ${(e as Error).message}`, { cause: e });
  }
  const statusNumber = raw.status as number;
  const status = RPC_STATUS_BY_NUMBER[statusNumber];
  if (!status) throw new IpcProtocolError(`unknown response status ${statusNumber}`);
  const detailNumber = presentField<number>(raw, 'errorDetail');
  const header: RpcResponseHeader = {
    callId: (raw.callId as number) | 0,
    status,
    serverIpcVersionNum: presentField<number>(raw, 'serverIpcVersionNum'),
    exceptionClassName: presentField<string>(raw, 'exceptionClassName'),
    errorMsg: presentField<string>(raw, 'errorMsg'),
    errorDetail:
      detailNumber === undefined
        ? undefined
        : (RPC_ERROR_CODE_BY_NUMBER[detailNumber] ?? `UNKNOWN_${detailNumber}`),
    clientId: presentField<Uint8Array>(raw, 'clientId'),
    retryCount: presentField<number>(raw, 'retryCount'),
  };
  let payload: Uint8Array | undefined;
  let at = first.next;
  if (status === 'SUCCESS' && at < body.length) {
    const next = readDelimited(body, at, 'response payload');
    payload = next.bytes;
    at = next.next;
  }
  if (at !== body.length) {
    // Hadoop's client rejects this too ("RPC response length mismatch").
    throw new IpcProtocolError(
      `response frame for call ${header.callId} has ${body.length - at} unexpected trailing bytes`,
    );
  }
  return { header, payload };
}

const STATUS_NUMBER: Record<RpcStatus, number> = { SUCCESS: 0, ERROR: 1, FATAL: 2 };

/**
 * Encodes a response frame. tspark is never a server; this serves the
 * in-process fake servers of the transport tests.
 */
export function encodeResponseFrame(header: RpcResponseHeader, payload?: Uint8Array): Uint8Array {
  const detailNumber =
    header.errorDetail === undefined
      ? undefined
      : Number(Object.entries(RPC_ERROR_CODE_BY_NUMBER).find(([, name]) => name === header.errorDetail)?.[0]);
  const message: Record<string, unknown> = {
    callId: header.callId >>> 0,
    status: STATUS_NUMBER[header.status],
  };
  if (header.serverIpcVersionNum !== undefined) message.serverIpcVersionNum = header.serverIpcVersionNum;
  if (header.exceptionClassName !== undefined) message.exceptionClassName = header.exceptionClassName;
  if (header.errorMsg !== undefined) message.errorMsg = header.errorMsg;
  if (detailNumber !== undefined) message.errorDetail = detailNumber;
  if (header.clientId !== undefined) message.clientId = header.clientId;
  if (header.retryCount !== undefined) message.retryCount = header.retryCount;
  const parts = [delimit(encodeMessage(CommonTypes.RpcResponseHeaderProto, message))];
  if (payload) parts.push(delimit(payload));
  const body = concatBytes(parts);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length, false);
  out.set(body, 4);
  return out;
}
