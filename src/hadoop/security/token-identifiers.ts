import { decodeMessage, YarnTypes, presentField, type DecodedMessage } from '../ipc/proto/messages.js';
import { attemptIdFromProto, nodeIdFromProto } from '../ipc/protocols/yarn-records.js';
import {
  formatApplicationAttemptId,
  type ApplicationAttemptId,
  type NodeId,
} from '../ipc/protocols/yarn-ids.js';

/**
 * Decoders for the identifiers of YARN tokens (yarn_security_token.proto),
 * for logs and cross-checks only: SASL uses the identifier bytes as they
 * are. The token user is the application attempt id string.
 */

export interface AmRmTokenIdentifier {
  applicationAttemptId: ApplicationAttemptId;
  /** e.g. appattempt_1700000000000_0013_000001 */
  user: string;
  keyId: number;
}

export function decodeAmRmTokenIdentifier(identifier: Uint8Array): AmRmTokenIdentifier {
  const m = decodeMessage(YarnTypes.AMRMTokenIdentifierProto, identifier);
  const attempt = attemptIdFromProto(presentField<DecodedMessage>(m, 'appAttemptId'));
  return {
    applicationAttemptId: attempt,
    user: formatApplicationAttemptId(attempt),
    keyId: m.keyId as number,
  };
}

export interface NmTokenIdentifier {
  applicationAttemptId: ApplicationAttemptId;
  user: string;
  nodeId: NodeId;
  appSubmitter: string;
  keyId: number;
}

export function decodeNmTokenIdentifier(identifier: Uint8Array): NmTokenIdentifier {
  const m = decodeMessage(YarnTypes.NMTokenIdentifierProto, identifier);
  const attempt = attemptIdFromProto(presentField<DecodedMessage>(m, 'appAttemptId'));
  return {
    applicationAttemptId: attempt,
    user: formatApplicationAttemptId(attempt),
    nodeId: nodeIdFromProto(presentField<DecodedMessage>(m, 'nodeId')),
    appSubmitter: m.appSubmitter as string,
    keyId: m.keyId as number,
  };
}
