import { IpcProtocolError } from '../errors.js';
import {
  CommonTypes,
  decodeMessage,
  encodeMessage,
  hasField,
  presentField,
  type DecodedMessage,
} from '../proto/messages.js';
import { CallId, RETRY_COUNT_NONE } from './constants.js';
import { encodeRequestFrame } from './request-frame.js';

/** RpcSaslProto.SaslState. */
export const SaslState = {
  SUCCESS: 0,
  NEGOTIATE: 1,
  INITIATE: 2,
  CHALLENGE: 3,
  RESPONSE: 4,
  WRAP: 5,
} as const;
export type SaslStateName = keyof typeof SaslState;
const STATE_NAME_BY_NUMBER = Object.fromEntries(Object.entries(SaslState).map(([k, v]) => [v, k])) as Record<
  number,
  SaslStateName
>;

/**
 * One advertised (or selected) authentication. Optional fields keep their
 * presence: the server compares the client's INITIATE auth with what it
 * offered including presence, so `protocol: ''` must stay a present empty
 * string and `challenge` must be dropped before echoing.
 */
export interface SaslAuth {
  method: string;
  mechanism: string;
  protocol?: string | undefined;
  serverId?: string | undefined;
  challenge?: Uint8Array | undefined;
}

export interface SaslMessage {
  state: SaslStateName;
  token?: Uint8Array | undefined;
  auths?: SaslAuth[] | undefined;
  version?: number | undefined;
}

export function encodeSaslMessage(message: SaslMessage): Uint8Array {
  const out: Record<string, unknown> = { state: SaslState[message.state] };
  if (message.version !== undefined) out.version = message.version;
  if (message.token !== undefined) out.token = message.token;
  if (message.auths && message.auths.length > 0) {
    out.auths = message.auths.map((a) => {
      const auth: Record<string, unknown> = { method: a.method, mechanism: a.mechanism };
      if (a.protocol !== undefined) auth.protocol = a.protocol;
      if (a.serverId !== undefined) auth.serverId = a.serverId;
      if (a.challenge !== undefined) auth.challenge = a.challenge;
      return auth;
    });
  }
  return encodeMessage(CommonTypes.RpcSaslProto, out);
}

export function decodeSaslMessage(bytes: Uint8Array): SaslMessage {
  let raw: DecodedMessage;
  try {
    raw = decodeMessage(CommonTypes.RpcSaslProto, bytes);
  } catch (e) {
    throw new IpcProtocolError(`cannot decode RpcSaslProto: ${(e as Error).message}`, { cause: e });
  }
  const stateNumber = raw.state as number;
  const state = STATE_NAME_BY_NUMBER[stateNumber];
  if (!state) throw new IpcProtocolError(`unknown SASL state ${stateNumber}`);
  const auths = hasField(raw, 'auths')
    ? (raw.auths as DecodedMessage[]).map((a) => ({
        method: a.method as string,
        mechanism: a.mechanism as string,
        protocol: presentField<string>(a, 'protocol'),
        serverId: presentField<string>(a, 'serverId'),
        challenge: presentField<Uint8Array>(a, 'challenge'),
      }))
    : undefined;
  return {
    state,
    token: presentField<Uint8Array>(raw, 'token'),
    auths: auths && auths.length > 0 ? auths : undefined,
    version: presentField<number>(raw, 'version'),
  };
}

/** A SASL frame: call id -33, empty client id, retry count -1. */
export function encodeSaslFrame(message: SaslMessage): Uint8Array {
  return encodeRequestFrame(
    { callId: CallId.SASL, clientId: new Uint8Array(0), retryCount: RETRY_COUNT_NONE },
    [encodeSaslMessage(message)],
  );
}
