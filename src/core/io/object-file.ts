import { decodeFramedStream, frameBatch } from '../serde.js';
import type { FileSystem } from './file-system.js';
import { writeBuffers, type WriteResult } from './text-output.js';

/**
 * Object files (saveAsObjectFile / objectFile). Spark stores Java-serialized arrays
 * of records in a Hadoop SequenceFile; tspark stores each part file as a framed
 * stream of node:v8 batches (see src/core/serde.ts):
 *
 *   part-NNNNN := ( [u32 BE payload length][v8.serialize(batch of records)] )*
 *
 * An empty partition is an empty file. Part files are read whole, one per partition.
 */

/** Writes batches of records as frames, with backpressure. */
export async function writeObjectPartition(
  fs: FileSystem,
  path: string,
  batches: AsyncIterable<unknown[]>,
): Promise<WriteResult> {
  return writeBuffers(fs, path, batches, (batch) => frameBatch(batch));
}

/** The record batches of one object part file, decoded incrementally. */
export async function* readObjectFile(fs: FileSystem, path: string): AsyncGenerator<unknown[]> {
  const stream = await fs.open(path);
  yield* decodeFramedStream(asBuffers(stream));
}

async function* asBuffers(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const c of stream) yield typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
}
