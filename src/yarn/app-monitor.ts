import { ExitCode, TsparkError } from '../errors.js';

/**
 * The client's view of a running application: poll the ResourceManager's
 * report, say one line per state change (Spark's "Application report for …"),
 * print the details once the AM runs, and turn the final state into an exit
 * code. The report source, the clock and the output are passed in.
 */

/** The fields of the RM's app report (GET /ws/v1/cluster/apps/{id}) the monitor reads. */
export interface AppReportLike {
  id: string;
  state: string;
  finalStatus: string;
  diagnostics?: string;
  queue?: string;
  user?: string;
  trackingUrl?: string;
  amHostHttpAddress?: string;
  startedTime?: number;
  finishedTime?: number;
  amContainerLogs?: string;
  progress?: number;
}

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);

export function isTerminal(report: AppReportLike): boolean {
  return TERMINAL_STATES.has(report.state);
}

export class ApplicationFailedError extends TsparkError {
  constructor(message: string, appId: string, killed: boolean) {
    super(killed ? 'APP_KILLED' : 'APP_FAILED', message, {
      exitCode: killed ? ExitCode.APP_KILLED : ExitCode.APP_FAILED,
      context: { appId },
    });
  }
}

/** The report line Spark users grep for. */
export function reportLine(report: AppReportLike): string {
  return `Application report for ${report.id} (state: ${report.state})`;
}

const na = (v: string | number | undefined): string => (v === undefined || v === '' ? 'N/A' : String(v));

/** The details block printed on a state change, with empty values as N/A. */
export function reportDetails(report: AppReportLike): string[] {
  return [
    `\t diagnostics: ${na(report.diagnostics)}`,
    `\t ApplicationMaster host: ${na(report.amHostHttpAddress?.split(':')[0])}`,
    `\t queue: ${na(report.queue)}`,
    `\t start time: ${report.startedTime ? new Date(report.startedTime).toISOString() : 'N/A'}`,
    `\t final status: ${na(report.finalStatus)}`,
    `\t tracking URL: ${na(report.trackingUrl)}`,
    `\t user: ${na(report.user)}`,
  ];
}

/**
 * Success is FINISHED with finalStatus SUCCEEDED; everything else that is
 * terminal is a failure with the RM's diagnostics (Spark's rules, §10.5 of
 * our YARN notes). Returns nothing on success, throws otherwise.
 */
export function checkFinalReport(report: AppReportLike, logsHint: string): void {
  const diag = report.diagnostics ? ` Diagnostics: ${report.diagnostics.trim()}` : '';
  // The logs hint goes on a line of its own, after whatever YARN said.
  logsHint = logsHint ? `\n${logsHint}` : '';
  if (report.state === 'KILLED' || report.finalStatus === 'KILLED') {
    throw new ApplicationFailedError(`Application ${report.id} was killed.${diag}${logsHint}`, report.id, true);
  }
  if (report.state === 'FAILED' || report.finalStatus === 'FAILED') {
    throw new ApplicationFailedError(
      `Application ${report.id} finished with status FAILED.${diag}${logsHint}`,
      report.id,
      false,
    );
  }
  if (report.state === 'FINISHED' && report.finalStatus !== 'SUCCEEDED') {
    throw new ApplicationFailedError(
      `Application ${report.id} finished but its final status is ${report.finalStatus}: the ApplicationMaster ended without reporting a result.${diag}${logsHint}`,
      report.id,
      false,
    );
  }
}

export interface MonitorOptions {
  appId: string;
  getReport: (appId: string) => Promise<AppReportLike>;
  sleep: (ms: number) => Promise<void>;
  intervalMs: number;
  /** Where the report lines go (stderr in the CLI, as Spark logs them). */
  print: (line: string) => void;
  /** Stop waiting once the application is RUNNING (spark.yarn.submit.waitAppCompletion=false stops at ACCEPTED). */
  returnWhen?: (report: AppReportLike) => boolean;
  /** Called whenever the state changes, e.g. to record timings. */
  onStateChange?: (report: AppReportLike) => void;
}

/** Polls until a terminal state (or `returnWhen`), printing one line per state change. */
export async function monitorApplication(options: MonitorOptions): Promise<AppReportLike> {
  let lastState: string | undefined;
  for (;;) {
    const report = await options.getReport(options.appId);
    if (report.state !== lastState) {
      options.print(reportLine(report));
      for (const line of reportDetails(report)) options.print(line);
      lastState = report.state;
      options.onStateChange?.(report);
    }
    if (isTerminal(report) || options.returnWhen?.(report)) return report;
    await options.sleep(options.intervalMs);
  }
}
