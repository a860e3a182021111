/**
 * The command line of `tspark logs`: `yarn logs`' options under the same
 * names (single dash, as Hadoop's GnuParser takes them; double dashes work
 * too), the application id also accepted as the first positional argument,
 * plus `--follow`.
 *
 *   -applicationId <id>        -containerId <id>          -nodeAddress <host:port>
 *   -appOwner <user>           -am <N,...|-1|ALL>          -log_files <name,...>
 *   -log_files_pattern <re,..> -size <bytes> (<0 = tail)  -size_limit_mb <MB>
 *   -out <dir>                 -list_nodes                -show_application_log_info
 *   -show_container_log_info   --follow                   -help
 *
 * `-am`, `-log_files` and `-log_files_pattern` take comma-separated values,
 * and, like Hadoop's multi-valued options, the following words too.
 */
import { UsageError } from '../errors.js';
import { BadLogsIdError } from './errors.js';

export interface LogsOptions {
  appId: string;
  containerId?: string;
  /** `host:port` as given. */
  nodeAddress?: string;
  appOwner?: string;
  /** AM attempts: 'ALL', or 1-based numbers with -1 for the latest. */
  am?: 'ALL' | number[];
  /** Exact names; undefined = all files. */
  logFiles?: string[];
  /** Regular expressions, matched anywhere in the name (Java Matcher.find). */
  logFilePatterns?: RegExp[];
  /** Bytes from the start (>= 0) or the end (< 0); undefined = whole files. */
  size?: number;
  /** Largest total of logs to fetch, in MiB; negative = no limit. */
  sizeLimitMb: number;
  outDir?: string;
  listNodes: boolean;
  showApplicationLogInfo: boolean;
  showContainerLogInfo: boolean;
  follow: boolean;
  help: boolean;
}

/** LogsCLI's default -size_limit_mb. */
export const DEFAULT_SIZE_LIMIT_MB = 10240;

export const APP_ID_PATTERN = /^application_(\d+)_(\d+)$/;
export const CONTAINER_ID_PATTERN = /^container_(?:e(\d+)_)?(\d+)_(\d+)_(\d+)_(\d+)$/;

/** The application of a container id: container_[e<epoch>_]<ts>_<seq>_<attempt>_<n>. */
export function applicationOfContainer(containerId: string): string | undefined {
  const m = CONTAINER_ID_PATTERN.exec(containerId);
  if (!m) return undefined;
  return `application_${m[2]}_${m[3]!.padStart(4, '0')}`;
}

/** Canonical form of an application id (sequence zero-padded to 4 digits, as ApplicationId.toString). */
export function normalizeAppId(value: string): string {
  const m = APP_ID_PATTERN.exec(value);
  if (!m) throw new BadLogsIdError('application', value);
  return `application_${m[1]}_${m[2]!.padStart(4, '0')}`;
}

type Kind = 'value' | 'multi' | 'flag';
const OPTIONS: Record<string, Kind> = {
  applicationId: 'value',
  containerId: 'value',
  nodeAddress: 'value',
  appOwner: 'value',
  am: 'multi',
  log_files: 'multi',
  log_files_pattern: 'multi',
  size: 'value',
  size_limit_mb: 'value',
  out: 'value',
  list_nodes: 'flag',
  show_application_log_info: 'flag',
  show_container_log_info: 'flag',
  follow: 'flag',
  help: 'flag',
  // Accepted for command-line compatibility: REST calls retry on their own, one cluster per HADOOP_CONF_DIR.
  clusterId: 'value',
  client_max_retries: 'value',
  client_retry_interval_ms: 'value',
};

export const LOGS_USAGE = `Usage: tspark logs <applicationId> [options]
       tspark logs -applicationId <id> | -containerId <id> [options]

Options (yarn logs' names; -x and --x both work):
  -applicationId <id>          the application (may also be given as the first argument)
  -containerId <id>            only this container (the application id may then be omitted)
  -nodeAddress <host:port>     only containers of this NodeManager (with -containerId or the -show options)
  -appOwner <user>             owner of the application, when the ResourceManager no longer knows it
  -am <N,...|-1|ALL>           the AM containers of these attempts (1 = first, -1 = latest)
  -log_files <name,...>        only these log files (ALL or * = all)
  -log_files_pattern <re,...>  only log files whose name matches one of these regular expressions
  -size <bytes>                first <bytes> of each file, or the last -<bytes> if negative
  -size_limit_mb <MB>          refuse to fetch more than this in total (default ${DEFAULT_SIZE_LIMIT_MB}; -1 = no limit)
  -out <dir>                   write each container's logs to <dir>/<node>/<containerId> instead of stdout
  -list_nodes                  nodes that aggregated logs (finished applications)
  -show_application_log_info   the containers of the application
  -show_container_log_info     log file names, sizes and times per container
  --follow                     keep printing what a running container appends until it ends
  -help                        this text
`;

function parseInteger(name: string, value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) {
    throw new UsageError('LOGS_BAD_OPTION', `-${name} takes a whole number, got '${value}'`, {
      context: { option: name },
    });
  }
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n))
    throw new UsageError('LOGS_BAD_OPTION', `-${name} ${value} is out of range`, {
      context: { option: name },
    });
  return n;
}

export function parseLogsArgs(argv: readonly string[]): LogsOptions {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const m = /^--?([A-Za-z_]+)(?:=(.*))?$/s.exec(token);
    if (!m || /^-\d/.test(token)) {
      positionals.push(token);
      continue;
    }
    const name = m[1]!;
    const kind = OPTIONS[name];
    if (!kind) {
      throw new UsageError('LOGS_UNKNOWN_OPTION', `unknown option ${token}; see tspark logs -help`, {
        context: { option: token },
      });
    }
    const list = values.get(name) ?? [];
    values.set(name, list);
    if (kind === 'flag') {
      if (m[2] !== undefined) throw new UsageError('LOGS_BAD_OPTION', `${token}: -${name} takes no value`);
      list.push('true');
      continue;
    }
    if (m[2] !== undefined) {
      list.push(m[2]);
    } else {
      const next = argv[i + 1];
      // -am -1 and -size -200: a negative number is a value, not an option.
      if (next === undefined || (next.startsWith('-') && !/^-\d+$/.test(next))) {
        throw new UsageError('LOGS_MISSING_VALUE', `-${name} needs a value; see tspark logs -help`, {
          context: { option: name },
        });
      }
      list.push(next);
      i++;
    }
    if (kind === 'multi') {
      // Further words belong to the option too, except an application id.
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-') && !APP_ID_PATTERN.test(argv[i + 1]!))
        list.push(argv[++i]!);
    }
  }

  const one = (name: string): string | undefined => {
    const list = values.get(name);
    return list && list.length > 0 ? list[list.length - 1] : undefined;
  };
  const many = (name: string): string[] | undefined =>
    values
      .get(name)
      ?.flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const flag = (name: string): boolean => values.has(name);

  const help = flag('help');
  if (positionals.length > 1 || (positionals.length === 1 && one('applicationId') !== undefined)) {
    throw new UsageError(
      'LOGS_EXTRA_ARGUMENT',
      `unexpected argument(s): ${positionals.join(' ')}; give the application id once`,
    );
  }
  const containerId = one('containerId');
  if (containerId !== undefined && !CONTAINER_ID_PATTERN.test(containerId))
    throw new BadLogsIdError('container', containerId);
  const rawAppId =
    one('applicationId') ?? positionals[0] ?? (containerId ? applicationOfContainer(containerId) : undefined);
  if (rawAppId === undefined && !help) {
    throw new UsageError(
      'LOGS_NO_APP_ID',
      `an application id or -containerId is required, e.g. tspark logs application_1700000000000_0001`,
    );
  }
  const appId = rawAppId === undefined ? '' : normalizeAppId(rawAppId);
  if (containerId !== undefined && applicationOfContainer(containerId) !== appId) {
    throw new UsageError(
      'LOGS_CONTAINER_NOT_OF_APP',
      `container ${containerId} does not belong to ${appId}; drop -applicationId or fix one of the ids`,
      {
        context: { appId, containerId },
      },
    );
  }

  let am: LogsOptions['am'];
  const amValues = many('am');
  if (amValues !== undefined) {
    if (amValues.some((v) => v.toUpperCase() === 'ALL')) am = 'ALL';
    else {
      am = amValues.map((v) => {
        const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
        if (!(n === -1 || n > 0)) {
          throw new UsageError(
            'LOGS_BAD_OPTION',
            `-am ${v}: valid values are ALL, -1 (the latest attempt) and attempt numbers from 1`,
          );
        }
        return n;
      });
    }
    if (am.length === 0)
      throw new UsageError('LOGS_MISSING_VALUE', '-am needs a value: ALL, -1 or attempt numbers');
  }

  const logFiles = many('log_files');
  const patterns = many('log_files_pattern');
  if (logFiles?.length && patterns?.length) {
    throw new UsageError('LOGS_BAD_OPTION', 'give either -log_files or -log_files_pattern, not both');
  }
  const allFiles = (logFiles ?? []).some((f) => f === 'ALL' || f === '*') || (patterns ?? []).includes('.*');
  let logFilePatterns: RegExp[] | undefined;
  if (patterns?.length && !allFiles) {
    logFilePatterns = patterns.map((p) => {
      try {
        return new RegExp(p, 'u');
      } catch (e) {
        throw new UsageError(
          'LOGS_BAD_PATTERN',
          `-log_files_pattern ${p} is not a valid regular expression (${(e as Error).message})`,
        );
      }
    });
  }
  if (flag('show_application_log_info') && flag('show_container_log_info')) {
    throw new UsageError(
      'LOGS_BAD_OPTION',
      'give either -show_application_log_info or -show_container_log_info, not both',
    );
  }

  const sizeText = one('size');
  const limitText = one('size_limit_mb');
  const options: LogsOptions = {
    appId,
    sizeLimitMb: limitText === undefined ? DEFAULT_SIZE_LIMIT_MB : parseInteger('size_limit_mb', limitText),
    listNodes: flag('list_nodes'),
    showApplicationLogInfo: flag('show_application_log_info'),
    showContainerLogInfo: flag('show_container_log_info'),
    follow: flag('follow'),
    help,
  };
  if (containerId !== undefined) options.containerId = containerId;
  const nodeAddress = one('nodeAddress');
  if (nodeAddress !== undefined) options.nodeAddress = nodeAddress;
  const appOwner = one('appOwner');
  if (appOwner !== undefined) options.appOwner = appOwner;
  if (am !== undefined) options.am = am;
  if (logFiles?.length && !allFiles) options.logFiles = logFiles;
  if (logFilePatterns) options.logFilePatterns = logFilePatterns;
  if (sizeText !== undefined) options.size = parseInteger('size', sizeText);
  const out = one('out');
  if (out !== undefined) options.outDir = out;
  return options;
}

/** Whether a log file name is selected by -log_files / -log_files_pattern. */
export function fileSelected(
  options: Pick<LogsOptions, 'logFiles' | 'logFilePatterns'>,
  fileName: string,
): boolean {
  if (options.logFiles) return options.logFiles.includes(fileName);
  if (options.logFilePatterns) return options.logFilePatterns.some((p) => p.test(fileName));
  return true;
}

/** What -log_files / -log_files_pattern asked for, as LogsCLI prints it in "not found" messages ("[a, b]"). */
export function describeFileSelection(options: Pick<LogsOptions, 'logFiles' | 'logFilePatterns'>): string {
  const items = options.logFiles ?? options.logFilePatterns?.map((p) => p.source) ?? ['ALL'];
  return `[${items.join(', ')}]`;
}
