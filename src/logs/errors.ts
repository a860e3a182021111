/**
 * Errors of `tspark logs`. Each names the problem and the fix; the CLI prints
 * `Error: <message>` and exits with `exitCode`.
 */
import { ExitCode, TsparkError, UsageError, type TsparkErrorOptions } from '../errors.js';

/** The aggregated-log file does not follow the TFile / AggregatedLogFormat layout. */
export class LogFileFormatError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('LOGS_BAD_FILE', message, { exitCode: ExitCode.INTERNAL, ...options });
  }
}

/** Not an `application_<clusterTimestamp>_<sequence>` id, or a container id that is not one. */
export class BadLogsIdError extends UsageError {
  constructor(kind: 'application' | 'container', value: string) {
    const shape =
      kind === 'application'
        ? 'application_<clusterTimestamp>_<sequence>, e.g. application_1700000000000_0001'
        : 'container_[e<epoch>_]<clusterTimestamp>_<appSequence>_<attempt>_<container>, e.g. container_1700000000000_0001_01_000001';
    super(
      kind === 'application' ? 'LOGS_BAD_APP_ID' : 'LOGS_BAD_CONTAINER_ID',
      `'${value}' is not a valid ${kind} id; expected ${shape} (copy it from tspark-submit's output or the ResourceManager UI)`,
      { context: { value } },
    );
  }
}

/** The ResourceManager does not know the application (and no aggregated logs were found either). */
export class ApplicationNotFoundError extends TsparkError {
  constructor(appId: string, detail: string) {
    super(
      'LOGS_APP_NOT_FOUND',
      `application ${appId} is unknown to the ResourceManager and has no aggregated logs (${detail}); check the id, and that HADOOP_CONF_DIR points at the cluster that ran it`,
      { exitCode: ExitCode.NOT_FOUND, context: { appId } },
    );
  }
}

/** Log aggregation is off and the application has finished: the NodeManagers deleted the logs. */
export class LogsGoneError extends TsparkError {
  constructor(appId: string) {
    super(
      'LOGS_AGGREGATION_DISABLED',
      `application ${appId} has finished and log aggregation is disabled on this cluster, so its container logs were deleted by the NodeManagers; ` +
        'set yarn.log-aggregation-enable=true in yarn-site.xml (or yarn.nodemanager.delete.debug-delay-sec to keep local logs for a while) and restart the NodeManagers so future applications keep their logs',
      { exitCode: ExitCode.NOT_FOUND, context: { appId } },
    );
  }
}

/** HDFS refused to list or read the aggregated logs. */
export class LogsPermissionError extends TsparkError {
  constructor(user: string, path: string, options: TsparkErrorOptions = {}) {
    super(
      'LOGS_PERMISSION_DENIED',
      `HDFS denied user '${user}' access to the aggregated logs at ${path}; run as the application's owner (set HADOOP_USER_NAME or --user), or ask an administrator to grant read access (the log directories are 770 owner:hadoop-group by default)`,
      { exitCode: ExitCode.PERMISSION, ...options, context: { user, path, ...options.context } },
    );
  }
}

/**
 * The cluster writes the indexed ("IFile") format, which tspark does not
 * parse, and no log server is configured to read it through.
 */
export class IndexedFormatUnsupportedError extends TsparkError {
  constructor(formats: string) {
    super(
      'LOGS_INDEXED_FORMAT',
      `this cluster aggregates logs with yarn.log-aggregation.file-formats=${formats}; tspark logs does not parse the indexed format itself ` +
        '(its index is a Java-serialized object graph), and reads it only through a log server. Either set yarn.log.server.web-service.url in the client yarn-site.xml ' +
        'to the REST API of a running Application History Server (e.g. http://<ahs-host>:8188/ws/v1/applicationhistory) or JobHistoryServer (http://<jhs-host>:19888/ws/v1/history), ' +
        'or put TFile first in yarn.log-aggregation.file-formats (e.g. "TFile,IFile") for new applications, or use `yarn logs` from a Hadoop installation',
      { exitCode: ExitCode.CONFIG, context: { formats } },
    );
  }
}

/** The log server (yarn.log.server.web-service.url) could not be reached or refused a request. */
export class LogServerError extends TsparkError {
  constructor(
    url: string,
    detail: string,
    options: TsparkErrorOptions = {},
    fix = 'check that it runs and that the URL in yarn-site.xml is right, or use `yarn logs` from a Hadoop installation',
  ) {
    super(
      'LOGS_LOG_SERVER',
      `the log server ${url} (yarn.log.server.web-service.url) failed: ${detail}; ${fix}`,
      { exitCode: ExitCode.REMOTE, retriable: true, ...options, context: { url, ...options.context } },
    );
  }
}

/** Nothing matched: no containers, no files, or the aggregated directory is empty. */
export class NoLogsFoundError extends TsparkError {
  constructor(message: string, context: Record<string, string> = {}) {
    super('LOGS_NOT_FOUND', message, { exitCode: ExitCode.NOT_FOUND, context });
  }
}

/** A NodeManager could not be reached for a running container's logs. */
export class NodeManagerUnreachableError extends TsparkError {
  constructor(nodeHttpAddress: string, containerId: string, cause: unknown) {
    super(
      'LOGS_NM_UNREACHABLE',
      `NodeManager ${nodeHttpAddress} did not answer for container ${containerId} (${describeCause(cause)}); check that the node is up (yarn node -list), or read the logs after the application finishes and aggregation completes`,
      { exitCode: ExitCode.REMOTE, retriable: true, cause, context: { host: nodeHttpAddress, containerId } },
    );
  }
}

/** The application is NEW/NEW_SAVING/SUBMITTED: no container has run yet. */
export class LogsNotYetAvailableError extends TsparkError {
  constructor(appId: string, state: string) {
    super(
      'LOGS_NOT_AVAILABLE',
      `application ${appId} is ${state}: no container has started yet, so there are no logs; try again once it is ACCEPTED/RUNNING (tspark status ${appId})`,
      { exitCode: ExitCode.NOT_FOUND, retriable: true, context: { appId, state } },
    );
  }
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${code}: ${cause.message}`
      : cause.message;
  }
  return String(cause);
}
