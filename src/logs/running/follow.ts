/**
 * `--follow`: print what a running container appends to its log files until
 * it stops, like `tail -f`. The NodeManager has no offset parameter, so each
 * new range [from, to) is asked for as "the last to-from bytes" (size=-n) and
 * accepted only if the NM saw the file at exactly `to` bytes (its LogLength);
 * otherwise the file grew in between and the request is repeated. The NM's
 * framing is stripped: the raw bytes are printed.
 */
import type { LogsDeps } from '../deps.js';
import { NodeManagerUnreachableError } from '../errors.js';
import { decodeNmContainerState, framedContentLength, parseLogFraming } from '../nodemanager/nm-codec.js';
import { readText } from '../nodemanager/nm-http.js';
import { fileSelected, type LogsOptions } from '../options.js';
import type { LogWriter } from '../output/sink.js';
import { fetchContainerLogList, logFilePath, type RunningContainer } from './running-logs.js';

const MAX_RANGE_TRIES = 4;

/** Bytes [from, to) of a container's log file, framing stripped; undefined if the NM no longer has the file. */
export async function fetchLogRange(
  deps: Pick<LogsDeps, 'nodeManagers'>,
  c: RunningContainer,
  fileName: string,
  from: number,
  to: number,
): Promise<Buffer | undefined> {
  let want = to - from;
  for (let attempt = 1; ; attempt++) {
    // After a few races with a fast writer, ask for the first `to` bytes instead: always consistent.
    const size = attempt <= MAX_RANGE_TRIES ? -want : to;
    const body = await fetchRaw(deps, c, fileName, size);
    if (body === undefined) return undefined;
    const framing = parseLogFraming(body.subarray(0, Math.min(body.length, 64 * 1024)));
    if (!framing)
      throw new Error(`unexpected answer for ${fileName} of ${c.containerId} (no LogContents header)`);
    const length = framedContentLength(framing.fileLength, size);
    const content = body.subarray(framing.contentStart, framing.contentStart + length);
    if (size > 0) return content.subarray(from);
    if (framing.fileLength === from + want) return content;
    // The file grew between the listing and this request: widen the window to its new end.
    want = framing.fileLength - from;
    if (want <= 0) return Buffer.alloc(0);
  }
}

async function fetchRaw(
  deps: Pick<LogsDeps, 'nodeManagers'>,
  c: RunningContainer,
  fileName: string,
  size: number,
): Promise<Buffer | undefined> {
  const res = await deps.nodeManagers.get(
    c.nodeHttpAddress,
    logFilePath(c.containerId, fileName, size),
    'text/plain',
  );
  const parts: Buffer[] = [];
  for await (const p of res.body) parts.push(p);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${fileName} of ${c.containerId}`);
  return Buffer.concat(parts);
}

async function containerRunning(deps: Pick<LogsDeps, 'nodeManagers'>, c: RunningContainer): Promise<boolean> {
  const res = await deps.nodeManagers.get(
    c.nodeHttpAddress,
    `/ws/v1/node/containers/${c.containerId}`,
    'application/json',
  );
  const text = await readText(res.body);
  if (res.status !== 200) return false;
  const state = decodeNmContainerState(JSON.parse(text));
  return (
    state === 'RUNNING' ||
    state === 'NEW' ||
    state === 'LOCALIZING' ||
    state === 'LOCALIZED' ||
    state === 'SCHEDULED'
  );
}

/**
 * Follows one container until it is no longer running, then prints what is
 * left. With several files, a `==> name <==` line marks each switch.
 */
export async function followContainer(
  deps: Pick<LogsDeps, 'nodeManagers' | 'clock'> & { pollIntervalMs?: number },
  c: RunningContainer,
  options: Pick<LogsOptions, 'logFiles' | 'logFilePatterns' | 'size'>,
  out: LogWriter,
): Promise<void> {
  const offsets = new Map<string, number>();
  let current: string | undefined;
  let first = true;
  const poll = deps.pollIntervalMs ?? 1000;
  try {
    for (;;) {
      const running = await containerRunning(deps, c);
      const list = await fetchContainerLogList(deps, c);
      if (list === undefined) return;
      const files = list.filter((f) => f.logAggregationType === 'LOCAL' && fileSelected(options, f.fileName));
      const several = new Set(files.map((f) => f.fileName)).size > 1;
      for (const f of files) {
        const size = Number(f.fileSize);
        if (!Number.isFinite(size)) continue;
        let from = offsets.get(f.fileName);
        if (from === undefined) {
          // First sight: -size picks where to start (negative = tail), default the whole file.
          from =
            first && options.size !== undefined && options.size < 0 ? Math.max(0, size + options.size) : 0;
        }
        if (size <= from) {
          offsets.set(f.fileName, Math.min(from, size));
          continue;
        }
        const bytes = await fetchLogRange(deps, c, f.fileName, from, size);
        if (bytes === undefined) continue;
        if (bytes.length > 0) {
          if (several && current !== f.fileName)
            await out.write(`${current === undefined ? '' : '\n'}==> ${f.fileName} <==\n`);
          current = f.fileName;
          await out.write(bytes);
        }
        offsets.set(f.fileName, from + bytes.length);
      }
      first = false;
      if (!running) return;
      await deps.clock.sleep(poll);
    }
  } catch (e) {
    // A closed stdout is the reader's business (see executeLogsCommand), not the NodeManager's.
    if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') throw e;
    throw new NodeManagerUnreachableError(c.nodeHttpAddress, c.containerId, e);
  }
}
