import { ExitCode, type ErrorContext } from '../../errors.js';
import { RemoteError } from './errors.js';

/**
 * The one table from remote Java exception classes to tspark error codes.
 * Policy (retry, re-register, shut down) reads `code` and `retriable`, never
 * the message text.
 */
export const RemoteErrorCode = {
  AM_NOT_REGISTERED: 'YARN_AM_NOT_REGISTERED',
  ATTEMPT_NOT_FOUND: 'YARN_ATTEMPT_NOT_FOUND',
  INVALID_AM_REQUEST: 'YARN_INVALID_AM_REQUEST',
  INVALID_RESOURCE_REQUEST: 'YARN_INVALID_RESOURCE_REQUEST',
  INVALID_CONTAINER_REQUEST: 'YARN_INVALID_CONTAINER_REQUEST',
  INVALID_AUX_SERVICE: 'YARN_INVALID_AUX_SERVICE',
  NM_NOT_READY: 'YARN_NM_NOT_READY',
  YARN: 'YARN_REMOTE',
  INVALID_TOKEN: 'IPC_INVALID_TOKEN',
  SASL_FAILED: 'IPC_SASL_REJECTED',
  ACCESS_DENIED: 'IPC_ACCESS_DENIED',
  NO_SUCH_PROTOCOL: 'IPC_NO_SUCH_PROTOCOL',
  NO_SUCH_METHOD: 'IPC_NO_SUCH_METHOD',
  VERSION_MISMATCH: 'IPC_VERSION_MISMATCH',
  RETRIABLE: 'IPC_RETRIABLE',
  STANDBY: 'IPC_STANDBY',
  SERVER_ERROR: 'IPC_SERVER_ERROR',
  UNKNOWN: 'IPC_REMOTE',
} as const;
export type RemoteErrorCodeValue = (typeof RemoteErrorCode)[keyof typeof RemoteErrorCode];

interface RemoteErrorRule {
  code: RemoteErrorCodeValue;
  retriable: boolean;
  exitCode: (typeof ExitCode)[keyof typeof ExitCode];
  hint?: string;
}

const YARN = 'org.apache.hadoop.yarn.exceptions.';

const RULES: Record<string, RemoteErrorRule> = {
  [`${YARN}ApplicationMasterNotRegisteredException`]: {
    code: RemoteErrorCode.AM_NOT_REGISTERED,
    retriable: false,
    exitCode: ExitCode.REMOTE,
    hint: "The ResourceManager lost this attempt's registration (restart or failover): register again and resend all requests",
  },
  [`${YARN}ApplicationAttemptNotFoundException`]: {
    code: RemoteErrorCode.ATTEMPT_NOT_FOUND,
    retriable: false,
    exitCode: ExitCode.REMOTE,
    hint: 'The ResourceManager no longer knows this application attempt; it was killed, failed or expired. The ApplicationMaster must exit',
  },
  [`${YARN}InvalidApplicationMasterRequestException`]: {
    code: RemoteErrorCode.INVALID_AM_REQUEST,
    retriable: false,
    exitCode: ExitCode.INTERNAL,
  },
  [`${YARN}InvalidResourceRequestException`]: {
    code: RemoteErrorCode.INVALID_RESOURCE_REQUEST,
    retriable: false,
    exitCode: ExitCode.RESOURCES,
    hint: 'Ask for no more than the maximum container size the ResourceManager reported at registration',
  },
  [`${YARN}InvalidContainerRequestException`]: {
    code: RemoteErrorCode.INVALID_CONTAINER_REQUEST,
    retriable: false,
    exitCode: ExitCode.INTERNAL,
  },
  [`${YARN}InvalidAuxServiceException`]: {
    code: RemoteErrorCode.INVALID_AUX_SERVICE,
    retriable: false,
    exitCode: ExitCode.CONFIG,
    hint: 'The launch context names an auxiliary service this NodeManager does not run',
  },
  [`${YARN}NMNotYetReadyException`]: {
    code: RemoteErrorCode.NM_NOT_READY,
    retriable: true,
    exitCode: ExitCode.REMOTE,
  },
  [`${YARN}YarnException`]: { code: RemoteErrorCode.YARN, retriable: false, exitCode: ExitCode.REMOTE },
  'org.apache.hadoop.security.token.SecretManager$InvalidToken': {
    code: RemoteErrorCode.INVALID_TOKEN,
    retriable: false,
    exitCode: ExitCode.PERMISSION,
    hint: 'The token is unknown to the server or expired; an ApplicationMaster must use the token from its container_tokens file or the latest rolled one',
  },
  'javax.security.sasl.SaslException': {
    code: RemoteErrorCode.SASL_FAILED,
    retriable: false,
    exitCode: ExitCode.PERMISSION,
    hint: 'The server rejected the DIGEST-MD5 response: the token password does not match the identifier',
  },
  'org.apache.hadoop.security.AccessControlException': {
    code: RemoteErrorCode.ACCESS_DENIED,
    retriable: false,
    exitCode: ExitCode.PERMISSION,
  },
  'org.apache.hadoop.security.authorize.AuthorizationException': {
    code: RemoteErrorCode.ACCESS_DENIED,
    retriable: false,
    exitCode: ExitCode.PERMISSION,
  },
  'org.apache.hadoop.ipc.RpcNoSuchProtocolException': {
    code: RemoteErrorCode.NO_SUCH_PROTOCOL,
    retriable: false,
    exitCode: ExitCode.INTERNAL,
    hint: 'The server does not serve this protocol: check the address (RM scheduler port vs. client port, NodeManager RPC port)',
  },
  'org.apache.hadoop.ipc.RpcNoSuchMethodException': {
    code: RemoteErrorCode.NO_SUCH_METHOD,
    retriable: false,
    exitCode: ExitCode.INTERNAL,
  },
  'org.apache.hadoop.ipc.RPC$VersionMismatch': {
    code: RemoteErrorCode.VERSION_MISMATCH,
    retriable: false,
    exitCode: ExitCode.INTERNAL,
  },
  'org.apache.hadoop.ipc.RetriableException': {
    code: RemoteErrorCode.RETRIABLE,
    retriable: true,
    exitCode: ExitCode.REMOTE,
  },
  'org.apache.hadoop.ipc.StandbyException': {
    code: RemoteErrorCode.STANDBY,
    retriable: true,
    exitCode: ExitCode.REMOTE,
    hint: 'This ResourceManager is in standby; try the active one',
  },
  'org.apache.hadoop.ipc.RpcServerException': {
    code: RemoteErrorCode.SERVER_ERROR,
    retriable: false,
    exitCode: ExitCode.REMOTE,
  },
};

const DEFAULT_RULE: RemoteErrorRule = {
  code: RemoteErrorCode.UNKNOWN,
  retriable: false,
  exitCode: ExitCode.REMOTE,
};

/** The rule for a Java exception class (exported for the table test and docs). */
export function remoteErrorRule(javaClass: string): RemoteErrorRule {
  return RULES[javaClass] ?? DEFAULT_RULE;
}

export function knownRemoteExceptionClasses(): string[] {
  return Object.keys(RULES);
}

/** Builds the typed error for an ERROR or FATAL response header. */
export function remoteErrorFromResponse(
  header: {
    exceptionClassName?: string | undefined;
    errorMsg?: string | undefined;
    errorDetail?: string | undefined;
  },
  fatal: boolean,
  context: ErrorContext = {},
): RemoteError {
  const javaClass = header.exceptionClassName || 'org.apache.hadoop.ipc.RemoteException';
  const detail = header.errorMsg ?? '';
  const firstLine = detail.split('\n', 1)[0]?.trim() ?? '';
  const rule = remoteErrorRule(javaClass);
  return new RemoteError({
    javaClass,
    remoteMessage: firstLine,
    remoteDetail: detail,
    errorDetail: header.errorDetail,
    fatal,
    code: rule.code,
    retriable: rule.retriable,
    exitCode: rule.exitCode,
    hint: rule.hint,
    context,
  });
}
