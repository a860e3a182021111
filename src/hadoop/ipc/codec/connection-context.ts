import { IpcProtocolError } from '../errors.js';
import {
  CommonTypes,
  decodeMessage,
  encodeMessage,
  presentField,
  type DecodedMessage,
} from '../proto/messages.js';
import { CallId, RETRY_COUNT_NONE } from './constants.js';
import { encodeRequestFrame } from './request-frame.js';

/**
 * IpcConnectionContextProto: sent once, after SASL succeeds (or right after
 * the preamble for SIMPLE), before the first call.
 *
 * With TOKEN authentication the token itself names the user, and an
 * effectiveUser that differs from it is refused: send `userInfo` present and
 * empty. With SIMPLE, effectiveUser is the user name we act as.
 */
export interface ConnectionContext {
  /** The PB protocol name, e.g. org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB. */
  protocol: string;
  effectiveUser?: string | undefined;
  realUser?: string | undefined;
}

export function encodeConnectionContext(context: ConnectionContext): Uint8Array {
  const userInfo: Record<string, unknown> = {};
  if (context.effectiveUser !== undefined) userInfo.effectiveUser = context.effectiveUser;
  if (context.realUser !== undefined) userInfo.realUser = context.realUser;
  return encodeMessage(CommonTypes.IpcConnectionContextProto, { userInfo, protocol: context.protocol });
}

export function decodeConnectionContext(bytes: Uint8Array): ConnectionContext & { hasUserInfo: boolean } {
  let raw: DecodedMessage;
  try {
    raw = decodeMessage(CommonTypes.IpcConnectionContextProto, bytes);
  } catch (e) {
    throw new IpcProtocolError(`cannot decode IpcConnectionContextProto: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const userInfo = presentField<DecodedMessage>(raw, 'userInfo');
  return {
    protocol: (presentField<string>(raw, 'protocol') ?? '') as string,
    effectiveUser: userInfo ? presentField<string>(userInfo, 'effectiveUser') : undefined,
    realUser: userInfo ? presentField<string>(userInfo, 'realUser') : undefined,
    hasUserInfo: userInfo !== undefined,
  };
}

/** The context frame: call id -3, the connection's client id, retry count -1. */
export function encodeConnectionContextFrame(context: ConnectionContext, clientId: Uint8Array): Uint8Array {
  return encodeRequestFrame({ callId: CallId.CONNECTION_CONTEXT, clientId, retryCount: RETRY_COUNT_NONE }, [
    encodeConnectionContext(context),
  ]);
}
