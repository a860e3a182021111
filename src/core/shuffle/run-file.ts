/**
 * Sequential files of framed batches (see serde.ts): shuffle data files and spill runs.
 *
 * Writes are buffered into large `writev` calls and reads use large chunks, so the
 * per-record cost stays synchronous and I/O is a handful of system calls per megabyte.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BATCH_SIZE } from '../batch.js';
import { CorruptStreamError, frameBatch } from '../serde.js';

/** Buffered bytes that trigger a write. */
const FLUSH_BYTES = 4 * 1024 * 1024;
/** Read chunk for one run when few runs are open at once. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** A file written sequentially, one segment per reduce partition. */
export interface RunFile {
  path: string;
  /** Segment p is bytes [offsets[p], offsets[p + 1]); length numPartitions + 1. */
  offsets: number[];
}

export class RunWriter {
  /** Bytes written so far (including buffered ones): the offset of the next write. */
  position = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<RunWriter> {
    return new RunWriter(path, await open(path, 'w'));
  }

  /** Appends bytes (a frame, or a copied range of frames). */
  async write(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.position += buf.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  /** Appends records as frames of at most BATCH_SIZE records. */
  async writeRecords(records: readonly unknown[]): Promise<void> {
    if (records.length <= BATCH_SIZE) {
      if (records.length > 0) await this.write(frameBatch(records));
      return;
    }
    for (let i = 0; i < records.length; i += BATCH_SIZE) {
      await this.write(frameBatch(records.slice(i, i + BATCH_SIZE)));
    }
  }

  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await this.handle.writev(bufs);
  }

  /** Flushes and closes. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  /** Closes without caring about buffered bytes (error paths). Never throws. */
  async abort(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    await this.handle.close().catch(() => undefined);
  }
}

/** Streams bytes [start, end) of an open file in chunks of up to `chunkBytes`. */
export async function* readRange(
  handle: FileHandle,
  start: number,
  end: number,
  chunkBytes: number = READ_CHUNK_BYTES,
): AsyncGenerator<Buffer> {
  let pos = start;
  while (pos < end) {
    const want = Math.min(chunkBytes, end - pos);
    // A fresh buffer per chunk: decoded frames may keep views into it.
    const buf = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await handle.read(buf, filled, want - filled, pos + filled);
      if (bytesRead === 0) {
        throw new CorruptStreamError(`A shuffle file ended at byte ${pos + filled}, expected ${end} bytes`);
      }
      filled += bytesRead;
    }
    pos += want;
    yield buf;
  }
}

/** Chunk size for reading `openRuns` runs at once: smaller chunks when many are open. */
export function chunkBytesFor(openRuns: number): number {
  return openRuns > 32 ? 256 * 1024 : READ_CHUNK_BYTES;
}
