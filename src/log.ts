import { writeSync } from 'node:fs';
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

export type LogFormat = 'text' | 'json';

/**
 * The one root logger per process is created at the entry point (CLI, AM,
 * executor) and passed down; components take `logger.child({ component })`.
 * Keys used across the project: appId, containerId, executorId, stageId,
 * taskId, jobId, durationMs. Payloads, secrets and tokens are never logged.
 *
 * Output is one line per event: readable text by default (the shape Spark
 * users know: time, level, component, message, then the structured fields),
 * or pino's JSON lines with TSPARK_LOG_FORMAT=json for log pipelines.
 */
export function createRootLogger(
  options: { level?: string; name?: string; format?: LogFormat } = {},
  destination?: DestinationStream,
): Logger {
  const opts = {
    level: options.level ?? process.env.TSPARK_LOG_LEVEL ?? 'info',
    base: options.name ? { name: options.name } : null,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const format = options.format ?? (process.env.TSPARK_LOG_FORMAT === 'json' ? 'json' : 'text');
  const target = destination ?? (format === 'json' ? pino.destination(2) : textDestination(2));
  return pino(opts, target);
}

/** A logger that drops everything: the default for library use and unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OWN_KEYS = new Set(['level', 'time', 'name', 'component', 'msg', 'err']);

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s=,{}]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** Turns one pino JSON line into `<time> <LEVEL> <component>: <msg> {k=v …}`. */
export function formatLogLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof rec.time === 'string' ? rec.time.replace('T', ' ').replace('Z', '') : '';
  const level = LEVEL_NAMES[rec.level as number] ?? String(rec.level);
  const who = (rec.component ?? rec.name ?? 'tspark') as string;
  const fields = Object.entries(rec)
    .filter(([k]) => !OWN_KEYS.has(k))
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  const err = rec.err as { message?: string; type?: string } | undefined;
  const errText = err?.message ? ` (${err.type ? `${err.type}: ` : ''}${err.message})` : '';
  return `${time} ${level} ${who}: ${String(rec.msg ?? '')}${errText}${fields.length ? ` {${fields.join(', ')}}` : ''}\n`;
}

/** A synchronous destination writing formatted text to a file descriptor. */
export function textDestination(fd: number): DestinationStream {
  return {
    write(line: string) {
      writeSync(fd, formatLogLine(line));
    },
  };
}
