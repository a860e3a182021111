/**
 * Sequential files of framed batches (see serde.ts): shuffle data files and spill runs.
 *
 * Writes are buffered into large `writev` calls and reads use large chunks, so the
 * per-record cost stays synchronous and I/O is a handful of system calls per megabyte.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { BATCH_SIZE } from '../batch.js';
import { CorruptStreamError, frameBatch } from '../serde.js';
import { estimateSize } from './memory.js';

/** Buffered bytes that trigger a write. */
const FLUSH_BYTES = 4 * 1024 * 1024;
/**
 * Estimated heap bytes (estimateSize) of one frame's records once decoded. A merge holds
 * one decoded frame per open run; BATCH_SIZE records of a kilobyte each would be 4 MiB a
 * run. Small records (up to 256 estimated bytes) still fill BATCH_SIZE.
 */
export const FRAME_TARGET_BYTES = 1024 * 1024;
/** Records sampled to estimate a frame's record size. */
const FRAME_SAMPLE = 8;
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

  /** Appends records as frames of at most BATCH_SIZE records and about FRAME_TARGET_BYTES. */
  async writeRecords(records: readonly unknown[]): Promise<void> {
    const perFrame = recordsPerFrame(records);
    if (records.length <= perFrame) {
      if (records.length > 0) await this.write(frameBatch(records));
      return;
    }
    for (let i = 0; i < records.length; i += perFrame) {
      await this.write(frameBatch(records.slice(i, i + perFrame)));
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

/** Records per frame: BATCH_SIZE, fewer when a sample of the records says they are large. */
export function recordsPerFrame(records: readonly unknown[]): number {
  const n = records.length;
  if (n === 0) return BATCH_SIZE;
  const samples = Math.min(n, FRAME_SAMPLE);
  let bytes = 0;
  for (let s = 0; s < samples; s++) bytes += estimateSize(records[Math.floor((s * n) / samples)]);
  const average = Math.max(1, bytes / samples);
  return Math.max(1, Math.min(BATCH_SIZE, Math.floor(FRAME_TARGET_BYTES / average)));
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

/**
 * Read-ahead of one merge over all its open runs: the bytes outside the heap (Buffers) a
 * merging task holds for reading, whatever its fan-in. Counted in the executor's memory
 * overhead, not in the heap budget (docs/internals/shuffle.md, "Memory outside the heap").
 */
export const MERGE_READ_AHEAD_BYTES = 16 * 1024 * 1024;
/** Smaller reads cost more system calls than they save memory. */
const MIN_READ_CHUNK_BYTES = 64 * 1024;

/**
 * Chunk size for reading `openRuns` runs at once: READ_CHUNK_BYTES while the runs' chunks
 * fit in MERGE_READ_AHEAD_BYTES together, smaller chunks when more runs are open.
 */
export function chunkBytesFor(openRuns: number): number {
  const share = Math.floor(MERGE_READ_AHEAD_BYTES / Math.max(1, openRuns));
  return Math.max(MIN_READ_CHUNK_BYTES, Math.min(READ_CHUNK_BYTES, share));
}
