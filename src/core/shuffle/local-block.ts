/**
 * Reading one reduce partition's bytes of a map output from local disk, via its index.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { TsparkError } from '../../errors.js';

/** Read size for shuffle data: large reads, few system calls. */
const BLOCK_READ_BYTES = 1024 * 1024;

export class ShuffleBlockError extends TsparkError {
  constructor(message: string, context: Record<string, string | number>, cause?: unknown) {
    super('SHUFFLE_BLOCK', message, { cause, retriable: true, context });
  }
}

/** Byte range [start, end) of reduce partition `reduceId` from the index file. */
export async function readIndexRange(
  indexPath: string,
  reduceId: number,
): Promise<{ start: number; end: number }> {
  if (!Number.isInteger(reduceId) || reduceId < 0) {
    throw new RangeError(`reduceId must be a non-negative integer, got ${String(reduceId)}`);
  }
  let handle;
  try {
    handle = await open(indexPath, 'r');
  } catch (e) {
    throw new ShuffleBlockError(
      `Shuffle index ${indexPath} cannot be opened; the map output is lost and its stage must be rerun`,
      { path: indexPath, reduceId },
      e,
    );
  }
  try {
    const buf = Buffer.alloc(16);
    const { bytesRead } = await handle.read(buf, 0, 16, 8 * reduceId);
    if (bytesRead < 16) {
      throw new ShuffleBlockError(
        `Shuffle index ${indexPath} has no entry for reduce partition ${reduceId} (file too short)`,
        { path: indexPath, reduceId },
      );
    }
    return { start: Number(buf.readBigInt64BE(0)), end: Number(buf.readBigInt64BE(8)) };
  } finally {
    await handle.close();
  }
}

/** Reads one reduce partition's bytes of one map output (local file path + index). */
export async function* readLocalShuffleBlock(
  out: { dataPath: string; indexPath: string },
  reduceId: number,
): AsyncGenerator<Buffer> {
  const { start, end } = await readIndexRange(out.indexPath, reduceId);
  if (end <= start) return;
  const stream = createReadStream(out.dataPath, { start, end: end - 1, highWaterMark: BLOCK_READ_BYTES });
  let seen = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      seen += chunk.length;
      yield chunk;
    }
  } catch (e) {
    // the index was there but the data is not (deleted, disk lost): the map output is lost too
    if ((e as NodeJS.ErrnoException).syscall === undefined) throw e;
    throw new ShuffleBlockError(
      `Shuffle data ${out.dataPath} cannot be read (${(e as Error).message}); the map output is lost and its stage must be rerun`,
      { path: out.dataPath, reduceId },
      e,
    );
  }
  if (seen !== end - start) {
    throw new ShuffleBlockError(
      `Shuffle data ${out.dataPath} is shorter than its index says (${seen} of ${end - start} bytes for reduce partition ${reduceId})`,
      { path: out.dataPath, reduceId },
    );
  }
}
