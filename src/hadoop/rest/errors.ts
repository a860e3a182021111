import { ExitCode, TsparkError, type ErrorContext, type ExitCodeValue } from '../../errors.js';
import { parsePermissionDenied, type RemoteExceptionBody } from './remote-exception.js';

/**
 * Typed errors of the Hadoop REST clients. Remote Java exception classes map
 * to our error kinds in ONE table (`REMOTE_EXCEPTION_TABLE`); retry and
 * failover read `retriable` / the class, never message text.
 */

/** Which service answered, for messages ("the NameNode said ..."). */
export type HadoopService = 'NameNode' | 'DataNode' | 'ResourceManager';

/** What the caller was doing, carried into error context and messages. */
export interface RequestContext {
  service: HadoopService;
  /** Base URL of the server (no query: `user.name` stays out of logs and messages). */
  endpoint: string;
  /** WebHDFS op or RM resource, e.g. `CREATE`, `POST /apps`. */
  operation: string;
  /** HDFS path, when there is one. */
  path?: string;
  /** YARN application id, when there is one. */
  appId?: string;
  /** The user the request ran as (`user.name`), if set. */
  user?: string;
}

function contextOf(req: RequestContext, extra: ErrorContext = {}): ErrorContext {
  return {
    service: req.service,
    endpoint: req.endpoint,
    operation: req.operation,
    path: req.path,
    appId: req.appId,
    user: req.user,
    ...extra,
  };
}

/** Error kinds a RemoteException can turn into. */
export type RemoteErrorKind =
  | 'not-found'
  | 'permission-denied'
  | 'already-exists'
  | 'standby'
  | 'safe-mode'
  | 'retriable'
  | 'parent-not-directory'
  | 'directory-not-empty'
  | 'quota-exceeded'
  | 'lease'
  | 'invalid-path'
  | 'unauthorized'
  | 'bad-request'
  | 'other';

interface KindSpec {
  code: string;
  exitCode: ExitCodeValue;
  retriable: boolean;
  /** The fix, in a sentence, appended to the message. */
  hint: (req: RequestContext, remote: RemoteExceptionBody) => string;
}

const KINDS: Record<RemoteErrorKind, KindSpec> = {
  'not-found': {
    code: 'HADOOP_NOT_FOUND',
    exitCode: ExitCode.NOT_FOUND,
    retriable: false,
    hint: (req) =>
      req.service === 'ResourceManager'
        ? 'Check the id; the ResourceManager forgets finished applications after yarn.resourcemanager.max-completed-applications or a restart.'
        : 'Check the path (relative paths resolve against fs.defaultFS and the HDFS home directory).',
  },
  'permission-denied': {
    code: 'HADOOP_PERMISSION_DENIED',
    exitCode: ExitCode.PERMISSION,
    retriable: false,
    hint: () =>
      'Run as a user that may access it (on a non-secure cluster the user is the user.name sent with each request), or change its permissions (hdfs dfs -chmod/-chown).',
  },
  'already-exists': {
    code: 'HADOOP_ALREADY_EXISTS',
    exitCode: ExitCode.REMOTE,
    retriable: false,
    hint: () => 'Delete it first or write with overwrite enabled.',
  },
  standby: {
    code: 'HADOOP_STANDBY',
    exitCode: ExitCode.REMOTE,
    retriable: true,
    hint: () => 'List every HA server address so the client can find the active one.',
  },
  'safe-mode': {
    code: 'HDFS_SAFE_MODE',
    exitCode: ExitCode.REMOTE,
    retriable: true,
    hint: () =>
      'The NameNode is in safe mode (starting up or low on disk); wait, or check `hdfs dfsadmin -safemode get`.',
  },
  retriable: {
    code: 'HADOOP_RETRIABLE',
    exitCode: ExitCode.REMOTE,
    retriable: true,
    hint: () => 'The server asked to retry later.',
  },
  'parent-not-directory': {
    code: 'HDFS_PARENT_NOT_DIRECTORY',
    exitCode: ExitCode.REMOTE,
    retriable: false,
    hint: () => 'A component of the path is a file, not a directory.',
  },
  'directory-not-empty': {
    code: 'HDFS_DIRECTORY_NOT_EMPTY',
    exitCode: ExitCode.REMOTE,
    retriable: false,
    hint: () => 'Delete it recursively, or empty it first.',
  },
  'quota-exceeded': {
    code: 'HDFS_QUOTA_EXCEEDED',
    exitCode: ExitCode.RESOURCES,
    retriable: false,
    hint: () => 'Free space in the directory tree or ask the operator to raise its quota.',
  },
  lease: {
    code: 'HDFS_LEASE_CONFLICT',
    exitCode: ExitCode.REMOTE,
    retriable: false,
    hint: () => 'Another client is writing this file; wait for it to close the file or pick another path.',
  },
  'invalid-path': {
    code: 'HDFS_INVALID_PATH',
    exitCode: ExitCode.USAGE,
    retriable: false,
    hint: () => 'HDFS paths are absolute and may not contain ":" or empty components.',
  },
  unauthorized: {
    code: 'HADOOP_UNAUTHORIZED',
    exitCode: ExitCode.PERMISSION,
    retriable: false,
    hint: (req) =>
      req.user
        ? 'The server did not accept the caller; on a secure cluster this client cannot authenticate (Kerberos is not supported).'
        : 'Set the user (user.name) for requests; check hadoop.http.filter.initializers on the server.',
  },
  'bad-request': {
    code: 'HADOOP_BAD_REQUEST',
    exitCode: ExitCode.REMOTE,
    retriable: false,
    hint: () => 'The server rejected the request as invalid; the message above says which value.',
  },
  other: {
    code: 'HADOOP_REMOTE_ERROR',
    exitCode: ExitCode.REMOTE,
    retriable: false,
    hint: () => 'See the server log for details.',
  },
};

/**
 * THE table: remote exception simple class name -> error kind. Names are
 * matched on the simple name because `javaClassName` is missing from some
 * responses; the YARN web layer's own NotFound/Forbidden/BadRequest
 * exceptions share names with nothing in HDFS.
 */
export const REMOTE_EXCEPTION_TABLE: Readonly<Record<string, RemoteErrorKind>> = Object.freeze({
  FileNotFoundException: 'not-found',
  NotFoundException: 'not-found', // org.apache.hadoop.yarn.webapp.NotFoundException (unknown app, node, attempt)
  ApplicationNotFoundException: 'not-found',
  ApplicationAttemptNotFoundException: 'not-found',
  ContainerNotFoundException: 'not-found',
  AccessControlException: 'permission-denied',
  ForbiddenException: 'permission-denied', // YARN web: ACL denial (kill someone else's app)
  FileAlreadyExistsException: 'already-exists',
  StandbyException: 'standby',
  SafeModeException: 'safe-mode',
  RetriableException: 'retriable',
  NotReplicatedYetException: 'retriable',
  RecoveryInProgressException: 'retriable',
  ParentNotDirectoryException: 'parent-not-directory',
  PathIsNotEmptyDirectoryException: 'directory-not-empty',
  QuotaExceededException: 'quota-exceeded',
  DSQuotaExceededException: 'quota-exceeded',
  NSQuotaExceededException: 'quota-exceeded',
  AlreadyBeingCreatedException: 'lease',
  LeaseExpiredException: 'lease',
  InvalidPathException: 'invalid-path',
  SecurityException: 'unauthorized',
  AuthorizationException: 'unauthorized',
  AuthenticationException: 'unauthorized',
  IllegalArgumentException: 'bad-request',
  UnsupportedOperationException: 'bad-request',
  BadRequestException: 'bad-request',
  NumberFormatException: 'bad-request',
});

export function remoteErrorKind(exception: string): RemoteErrorKind {
  return REMOTE_EXCEPTION_TABLE[exception] ?? 'other';
}

/** A failure the server reported with a RemoteException body. */
export class HadoopRemoteError extends TsparkError {
  readonly kind: RemoteErrorKind;
  readonly remote: RemoteExceptionBody;
  readonly httpStatus: number;
  readonly request: RequestContext;

  constructor(
    kind: RemoteErrorKind,
    message: string,
    remote: RemoteExceptionBody,
    httpStatus: number,
    req: RequestContext,
  ) {
    const spec = KINDS[kind];
    super(spec.code, message, {
      exitCode: spec.exitCode,
      // Unclassified server errors (5xx) may pass; anything the server decided (4xx) will not.
      retriable: spec.retriable || (kind === 'other' && httpStatus >= 500),
      context: contextOf(req, { httpStatus, exception: remote.exception }),
    });
    this.kind = kind;
    this.remote = remote;
    this.httpStatus = httpStatus;
    this.request = req;
  }
}

/** A path or application the server does not know. */
export class RemoteNotFoundError extends HadoopRemoteError {}
/** HDFS or YARN refused the caller; `deniedUser`/`path` say who and what. */
export class RemotePermissionDeniedError extends HadoopRemoteError {
  get deniedUser(): string | undefined {
    return this.context.deniedUser as string | undefined;
  }
}
export class RemoteAlreadyExistsError extends HadoopRemoteError {}
/** The server is an HA standby: try another one. */
export class StandbyError extends HadoopRemoteError {}

function what(req: RequestContext): string {
  if (req.path !== undefined) return ` ${req.path}`;
  if (req.appId !== undefined) return ` ${req.appId}`;
  return '';
}

/**
 * The remote message without the server's stack trace (DataNode answers carry
 * one) and without the `java.lang.Exception: ` wrapper the YARN web layer adds.
 */
export function briefRemoteMessage(message: string): string {
  const firstLine = message.split('\n')[0] ?? '';
  return firstLine.replace(/^java\.lang\.(?:Exception|IllegalArgumentException): /, '').trim();
}

/** Builds the typed error for a RemoteException answer. */
export function remoteError(
  remote: RemoteExceptionBody,
  httpStatus: number,
  req: RequestContext,
): HadoopRemoteError {
  const kind = remoteErrorKind(remote.exception);
  const spec = KINDS[kind];
  const said = `the ${req.service} at ${req.endpoint} answered ${httpStatus} ${remote.exception}: ${briefRemoteMessage(remote.message)}`;
  switch (kind) {
    case 'not-found': {
      const subject =
        req.service === 'ResourceManager'
          ? `${req.appId ? 'Application' : 'Resource'}${what(req)}`
          : `HDFS path${what(req)}`;
      return new RemoteNotFoundError(
        kind,
        `${subject} was not found (${said}). ${spec.hint(req, remote)}`,
        remote,
        httpStatus,
        req,
      );
    }
    case 'permission-denied': {
      const facts = parsePermissionDenied(remote.message);
      const user = facts.user ?? req.user ?? 'dr.who (no user.name sent)';
      const access = facts.access ? ` ${facts.access}` : '';
      const target = facts.inode ?? req.path ?? req.appId ?? req.operation;
      const inodeOwner = facts.owner
        ? ` (owned by ${facts.owner}:${facts.group ?? '?'}, mode ${facts.mode ?? '?'})`
        : '';
      const err = new RemotePermissionDeniedError(
        kind,
        `Permission denied: user ${user} may not${access || ' access'} ${target}${inodeOwner} (${said}). ${spec.hint(req, remote)}`,
        remote,
        httpStatus,
        req,
      );
      err.context.deniedUser = user;
      if (facts.inode !== undefined) err.context.inode = facts.inode;
      if (facts.access !== undefined) err.context.access = facts.access;
      return err;
    }
    case 'already-exists':
      return new RemoteAlreadyExistsError(
        kind,
        `HDFS path${what(req)} already exists (${said}). ${spec.hint(req, remote)}`,
        remote,
        httpStatus,
        req,
      );
    case 'standby':
      return new StandbyError(
        kind,
        `The ${req.service} at ${req.endpoint} is a standby (${said}). ${spec.hint(req, remote)}`,
        remote,
        httpStatus,
        req,
      );
    default:
      return new HadoopRemoteError(
        kind,
        `${req.operation}${what(req)} failed: ${said}. ${spec.hint(req, remote)}`,
        remote,
        httpStatus,
        req,
      );
  }
}

/** The server could not be reached, or the connection broke before an answer. */
export class HadoopUnreachableError extends TsparkError {
  /** True when the request may have reached the server (reset/timeout after sending). */
  readonly maybeDelivered: boolean;
  readonly request: RequestContext;
  constructor(req: RequestContext, reason: string, maybeDelivered: boolean, cause: unknown) {
    super(
      'HADOOP_UNREACHABLE',
      `Cannot reach the ${req.service} at ${req.endpoint} (${reason}) during ${req.operation}${what(req)}. ` +
        `Check that it is running and that the configured address is right${req.service === 'ResourceManager' ? ' (yarn.resourcemanager.webapp.address)' : req.service === 'NameNode' ? ' (dfs.namenode.http-address)' : ' (the DataNode address the NameNode redirected to; dfs.datanode.hostname)'}.`,
      { exitCode: ExitCode.REMOTE, retriable: true, cause, context: contextOf(req, { reason }) },
    );
    this.maybeDelivered = maybeDelivered;
    this.request = req;
  }
}

/** An HTTP status without a RemoteException body (a proxy, a wrong port, an HTML error page). */
export class HadoopHttpError extends TsparkError {
  readonly httpStatus: number;
  constructor(req: RequestContext, httpStatus: number, bodySnippet: string) {
    super(
      'HADOOP_HTTP_ERROR',
      `The ${req.service} at ${req.endpoint} answered ${httpStatus} to ${req.operation}${what(req)}` +
        (bodySnippet ? `: ${bodySnippet}` : '') +
        '. Check that the address points at the right service.',
      { exitCode: ExitCode.REMOTE, retriable: httpStatus >= 500, context: contextOf(req, { httpStatus }) },
    );
    this.httpStatus = httpStatus;
  }
}

/** A response we could not understand (not JSON, a field missing). */
export class HadoopProtocolError extends TsparkError {
  constructor(req: RequestContext, problem: string) {
    super(
      'HADOOP_BAD_RESPONSE',
      `Unexpected answer from the ${req.service} at ${req.endpoint} to ${req.operation}${what(req)}: ${problem}. ` +
        'This Hadoop version may not be supported; please report it with the Hadoop version.',
      { exitCode: ExitCode.REMOTE, context: contextOf(req) },
    );
  }
}

/** Every server in an HA list failed; `attempts` lists why, in order. */
export class NoActiveServerError extends TsparkError {
  readonly failures: readonly Error[];
  constructor(service: HadoopService, failures: Error[], retriable: boolean) {
    super(
      'HADOOP_NO_ACTIVE_SERVER',
      `No ${service} answered as active: ${failures.map((f) => f.message).join(' | ')}`,
      { exitCode: ExitCode.REMOTE, retriable, cause: failures[failures.length - 1], context: { service } },
    );
    this.failures = failures;
  }
}

/** Shortens a response body for an error message: first line, at most 200 characters. */
export function snippet(body: unknown): string {
  let text: string;
  if (Buffer.isBuffer(body)) text = body.toString('utf8');
  else if (typeof body === 'string') text = body;
  else if (body === undefined || body === null) text = '';
  else text = JSON.stringify(body);
  const line = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
