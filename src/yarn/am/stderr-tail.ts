import { framedContentLength, parseLogFraming } from '../../logs/nodemanager/nm-codec.js';
import { readText } from '../../logs/nodemanager/nm-http.js';
import type { NodeManagerHttp } from '../../logs/deps.js';
import { formatContainerId } from '../../hadoop/ipc/protocols/yarn-ids.js';
import type { Container } from '../../hadoop/ipc/protocols/yarn-records.js';

/** Bytes of stderr to fetch from the end of a failed container's log. */
export const STDERR_TAIL_BYTES = 4096;

/**
 * The end of a completed container's stderr, from its NodeManager's web
 * services (`/ws/v1/node/containerlogs/<id>/stderr?size=-N`), while the
 * NodeManager still keeps it (until log aggregation at the end of the
 * application). Undefined when it cannot be had.
 */
export function nodeManagerStderrTail(
  http: NodeManagerHttp,
): (container: Container) => Promise<string | undefined> {
  return async (container) => {
    if (!container.nodeHttpAddress) return undefined;
    const id = formatContainerId(container.id);
    const response = await http.get(
      container.nodeHttpAddress,
      `/ws/v1/node/containerlogs/${id}/stderr?size=-${STDERR_TAIL_BYTES}`,
      'text/plain',
    );
    const text = await readText(response.body, 1024 * 1024);
    if (response.status !== 200) return undefined;
    return logContents(text, STDERR_TAIL_BYTES);
  };
}

/**
 * The file's bytes inside the NodeManager's framing ("Container: …",
 * "LogType:…", "LogLength:…", "LogContents:", the bytes, "End of
 * LogType:…"), using the framing reader of `tspark logs`.
 */
export function logContents(response: string, size: number): string {
  const bytes = Buffer.from(response, 'utf8');
  const framing = parseLogFraming(bytes);
  if (!framing) return response;
  const length = framedContentLength(framing.fileLength, -size);
  return bytes.subarray(framing.contentStart, framing.contentStart + length).toString('utf8');
}
