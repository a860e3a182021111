import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { FileSystem } from './file-system.js';

export interface WriteResult {
  recordsWritten: number;
  bytesWritten: number;
}

/**
 * Writes batches of lines to a new file, each line followed by `\n` (what
 * saveAsTextFile writes), UTF-8. Waits for 'drain' whenever the stream's buffer is
 * full, so a fast producer never queues more than one batch beyond the stream's
 * high-water mark. Resolves when the file is complete; on failure the stream is
 * destroyed and the error rethrown (the output committer discards the attempt).
 */
export async function writeTextPartition(
  fs: FileSystem,
  path: string,
  lines: AsyncIterable<string[]>,
): Promise<WriteResult> {
  return writeBuffers(fs, path, lines, (batch) => Buffer.from(batch.join('\n') + '\n', 'utf8'));
}

/** Shared by text and object output: encodes each non-empty batch and writes it with backpressure. */
export async function writeBuffers<T>(
  fs: FileSystem,
  path: string,
  batches: AsyncIterable<T[]>,
  encode: (batch: T[]) => Buffer,
): Promise<WriteResult> {
  const out = await fs.create(path);
  let recordsWritten = 0;
  let bytesWritten = 0;
  try {
    for await (const batch of batches) {
      if (batch.length === 0) continue;
      const buf = encode(batch);
      recordsWritten += batch.length;
      bytesWritten += buf.length;
      // `once` also rejects if the stream emits 'error' while we wait.
      if (!out.write(buf)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
  } catch (e) {
    (out as NodeJS.WritableStream & { destroy?: (err?: Error) => void }).destroy?.();
    throw e;
  }
  return { recordsWritten, bytesWritten };
}
