import { compileRedactionRegex, redactValue } from '../conf/registry.js';
import type { SubmitArguments, SubmitPlan } from './submit-plan.js';

/**
 * Text for `--verbose`: the parsed arguments and the plan, as spark-submit
 * prints "Parsed arguments:" and "Spark config:". Every configuration value
 * passes through redaction; nothing secret is printed.
 */

const row = (label: string, value: unknown): string =>
  `  ${label.padEnd(22)}${value === undefined ? '(unset)' : String(value)}`;

export function formatSubmitArguments(args: SubmitArguments): string {
  const confLines = args.conf.map((raw) => {
    const eq = raw.indexOf('=');
    return eq > 0
      ? `    ${raw.slice(0, eq)}=${redactValue(raw.slice(0, eq), raw.slice(eq + 1))}`
      : `    ${raw}`;
  });
  return [
    'Parsed arguments:',
    row('master', args.master),
    row('deployMode', args.deployMode),
    row('class', args.mainExport),
    row('name', args.name),
    row('propertiesFile', args.propertiesFile),
    row('driverMemory', args.driverMemory),
    row('driverCores', args.driverCores),
    row('executorMemory', args.executorMemory),
    row('executorCores', args.executorCores),
    row('numExecutors', args.numExecutors),
    row('queue', args.queue),
    row('files', args.files),
    row('archives', args.archives),
    row('kill', args.kill),
    row('status', args.status),
    row('entry', args.entry),
    row('appArgs', `[${args.appArgs.join(' ')}]`),
    `  conf (${args.conf.length}):`,
    ...confLines,
  ].join('\n');
}

export function formatSubmitPlan(plan: SubmitPlan): string {
  const extra = compileRedactionRegex(plan.conf.get('spark.redaction.regex'));
  const lines = [
    'Submit plan:',
    row('action', plan.action),
    row('mode', plan.mode),
    row('master', plan.master),
    row('deployMode', plan.deployMode),
    row('entry', plan.entry),
    row('mainExport', plan.mainExport),
    row('appArgs', `[${plan.appArgs.join(' ')}]`),
    row('user', plan.user),
  ];
  if (plan.appId) lines.push(row('appId', plan.appId));
  if (plan.local)
    lines.push(row('local', `${plan.local.threads} threads, ${plan.local.maxFailures} attempts per task`));
  if (plan.localCluster) {
    const c = plan.localCluster;
    lines.push(
      row('localCluster', `${c.executors} executors x ${c.coresPerExecutor} cores x ${c.memoryMiB} MiB`),
    );
  }
  lines.push(row('propertiesFile', plan.propertiesFile));
  if (plan.hadoopConfDirs) lines.push(row('hadoopConfDirs', plan.hadoopConfDirs.join(', ')));
  lines.push(
    row('files', plan.files.join(',') || '(none)'),
    row('archives', plan.archives.join(',') || '(none)'),
  );
  lines.push('  conf:');
  for (const [k, v] of plan.conf.entries()) lines.push(`    ${k}=${redactValue(k, v, extra)}`);
  return lines.join('\n');
}
