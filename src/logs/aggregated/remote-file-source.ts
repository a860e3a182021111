/**
 * An aggregated-log file on the remote file system as a RandomAccessSource.
 *
 * Opening a TFile reads the 28-byte tail, then the meta index and the three
 * index blocks, all at the end of the file: the last 64 KiB are fetched once
 * and those reads are served from memory (one WebHDFS OPEN instead of six).
 * Data blocks are streamed with one OPEN per range.
 */
import type { LogsFileSystem } from '../deps.js';
import type { RandomAccessSource } from '../tfile/random-access.js';

const TAIL_CACHE_BYTES = 64 * 1024;

export class RemoteFileSource implements RandomAccessSource {
  private tail: { offset: number; bytes: Buffer } | undefined;

  constructor(
    private readonly fs: LogsFileSystem,
    readonly path: string,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return Buffer.alloc(0);
    if (end > this.size - TAIL_CACHE_BYTES || this.tail) {
      const tail = await this.loadTail();
      if (offset >= tail.offset) return tail.bytes.subarray(offset - tail.offset, end - tail.offset);
    }
    return collect(this.fs.read(this.path, offset, end - offset), end - offset);
  }

  stream(offset: number, length: number): AsyncIterable<Buffer> {
    const end = Math.min(this.size, offset + length);
    // Meta blocks sit in the cached tail: no request for them.
    if (this.tail && offset >= this.tail.offset)
      return once(this.tail.bytes.subarray(offset - this.tail.offset, end - this.tail.offset));
    return this.fs.read(this.path, offset, Math.max(0, end - offset));
  }

  private async loadTail(): Promise<{ offset: number; bytes: Buffer }> {
    if (!this.tail) {
      const offset = Math.max(0, this.size - TAIL_CACHE_BYTES);
      this.tail = {
        offset,
        bytes: await collect(this.fs.read(this.path, offset, this.size - offset), this.size - offset),
      };
    }
    return this.tail;
  }
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  if (bytes.length > 0) yield bytes;
}

async function collect(pieces: AsyncIterable<Buffer>, expected: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const p of pieces) {
    parts.push(p);
    total += p.length;
    if (total >= expected) break;
  }
  const all = Buffer.concat(parts, total);
  return all.length > expected ? all.subarray(0, expected) : all;
}
