/**
 * The text `yarn logs` prints, byte for byte (Hadoop 3.4 LogsCLI,
 * LogToolUtils, LogAggregationFileController.aggregatedLogSuffix, LogCLIHelpers),
 * so scripts that grep `yarn logs` output work unchanged on ours. Checked
 * against the test cluster's own `yarn logs` (test/fixtures/logs/).
 *
 * Per file of an aggregated container:
 *
 *   Container: <containerId> on <node file name, e.g. host_45454>
 *   LogAggregationType: AGGREGATED
 *   ========...   (as long as the "Container: ..." line)
 *   LogType:<file>
 *   LogLastModifiedTime:<mtime of the node's aggregated file, Java Date format>
 *   LogLength:<full length, even with -size>
 *   LogContents:
 *   <bytes>
 *   (blank)End of LogType:<file>       <- "\nEnd of LogType:<file>\n"
 *   ******...  (length of "End of LogType:<file>" + 50)
 *   (empty line)
 *
 * For running containers the NodeManager sends the same framing itself
 * (LOCAL, "End of LogType:<file>.This log file belongs to a running
 * container ..."), and LogsCLI adds one newline after each response.
 */

export type LogAggregationType = 'AGGREGATED' | 'LOCAL';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Minutes east of UTC at a given instant. */
export type TimeZoneOffset = (epochMs: number) => number;

/** The process's local zone, as Java's default TimeZone would be. */
export const localTimeZoneOffset: TimeZoneOffset = (epochMs) => -new Date(epochMs).getTimezoneOffset();

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Hadoop's `Times.format`: SimpleDateFormat "EEE MMM dd HH:mm:ss Z yyyy"
 * (e.g. "Mon Nov 23 06:02:18 +0000 2026"), or "N/A" for a non-positive time.
 */
export function formatHadoopTime(epochMs: number, offset: TimeZoneOffset = localTimeZoneOffset): string {
  if (!(epochMs > 0)) return 'N/A';
  const minutes = offset(epochMs);
  const d = new Date(epochMs + minutes * 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)} ${d.getUTCFullYear()}`
  );
}

export function containerOnNode(containerId: string, node: string): string {
  return `Container: ${containerId} on ${node}`;
}

/** Everything before a file's bytes. */
export function fileHeader(options: {
  containerId: string;
  node: string;
  type: LogAggregationType;
  fileName: string;
  lastModified: string;
  length: number;
}): string {
  const line = containerOnNode(options.containerId, options.node);
  return (
    `${line}\nLogAggregationType: ${options.type}\n${'='.repeat(line.length)}\n` +
    `LogType:${options.fileName}\nLogLastModifiedTime:${options.lastModified}\n` +
    `LogLength:${options.length}\nLogContents:\n`
  );
}

/** Everything after an aggregated file's bytes. */
export function aggregatedFileTrailer(fileName: string): string {
  const end = `End of LogType:${fileName}`;
  return `\n${end}\n${'*'.repeat(end.length + 50)}\n\n`;
}

/** Which bytes of a file `-size` selects: Long.MAX_VALUE (no -size) means all. */
export function selectRange(
  fileLength: number,
  size: number | undefined,
): { skipBefore: number; take: number } {
  if (size === undefined) return { skipBefore: 0, take: fileLength };
  if (size < 0) {
    const abs = -size;
    return abs < fileLength
      ? { skipBefore: fileLength - abs, take: abs }
      : { skipBefore: 0, take: fileLength };
  }
  return { skipBefore: 0, take: Math.min(size, fileLength) };
}

/** `-show_container_log_info`: LogCLIHelpers' "%30s\t%30s\t%30s\t%30s" table per container. */
export function containerLogInfoTable(
  containerId: string,
  node: string,
  files: readonly { fileName: string; length: string; lastModified: string; type: string }[],
): string {
  const line = containerOnNode(containerId, node);
  const row = (a: string, b: string, c: string, d: string): string =>
    `${a.padStart(30)}\t${b.padStart(30)}\t${c.padStart(30)}\t${d.padStart(30)}\n`;
  let out = `${line}\n${'='.repeat(line.length)}\n`;
  out += row('LogFile', 'LogLength', 'LastModificationTime', 'LogAggregationType');
  out += `${'='.repeat(136)}\n`;
  for (const f of files) out += row(f.fileName, f.length, f.lastModified, f.type);
  return out;
}

/** Java's String.hashCode. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The iteration order of a java.util.HashSet<String> filled with `names` in
 * this order. LogsCLI keeps a running container's matched file names in a
 * HashSet and fetches them in its order, so the same order makes our output
 * identical. HashMap: table of 16 buckets doubling past 0.75 load, bucket =
 * (h ^ h >>> 16) & (size - 1), insertion order inside a bucket (trees only
 * form at 8+ collisions in one bucket, which a handful of log names never hit).
 */
export function javaHashSetOrder(names: readonly string[]): string[] {
  const unique: string[] = [];
  for (const n of names) if (!unique.includes(n)) unique.push(n);
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const bucket = (s: string): number => {
    const h = javaStringHash(s);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return unique
    .map((name, index) => ({ name, index, bucket: bucket(name) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((e) => e.name);
}
