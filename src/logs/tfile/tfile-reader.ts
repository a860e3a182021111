/**
 * TFile (Hadoop `io.file.tfile.TFile`) on top of BCFile: key/value records in
 * the data blocks, plus two meta blocks.
 *
 *   TFile.meta  (uncompressed) = int16 major | int16 minor | VLong record count | String comparator ("" = unsorted)
 *   TFile.index (default compression) =
 *       VInt n | n bytes: [VInt key length | first key]          (n = 0: the file has no records)
 *       per data block: VInt m | m bytes: [VInt key length | last key of block | VLong records in block]
 *   data block = records until the block's record count:  VInt key length | key | value (chunk encoding)
 *
 * Records are read strictly in order and streamed: a value is never buffered.
 */
import { LogFileFormatError } from '../errors.js';
import { readBCFileLayout, readMetaBlock, BufferCursor, type BCFileLayout } from './bcfile.js';
import { openBlock } from './block-source.js';
import { ChunkedValueReader } from './chunked-value.js';
import type { RandomAccessSource } from './random-access.js';
import { SequentialReader } from './sequential-reader.js';

/** TFile keys are limited to 64 KiB by the writer. */
const MAX_KEY_BYTES = 64 * 1024;
const TFILE_MAJOR = 1;

export interface TFileMeta {
  version: { major: number; minor: number };
  recordCount: number;
  comparator: string;
}

export interface TFileRecord {
  /** Index of the data block holding this record. */
  block: number;
  key: Buffer;
  /** Valid until the iteration moves on; whatever is left unread is skipped then. */
  value: ChunkedValueReader;
}

export class TFileReader {
  private constructor(
    private readonly source: RandomAccessSource,
    readonly path: string,
    readonly layout: BCFileLayout,
    readonly meta: TFileMeta,
    /** Records per data block, from TFile.index. */
    readonly recordsPerBlock: number[],
  ) {}

  static async open(source: RandomAccessSource, path: string): Promise<TFileReader> {
    const layout = await readBCFileLayout(source, path);
    const metaEntry = layout.metaBlocks.get('TFile.meta');
    const indexEntry = layout.metaBlocks.get('TFile.index');
    if (!metaEntry || !indexEntry)
      throw new LogFileFormatError(`${path} is a BCFile but not a TFile (TFile.meta/TFile.index missing)`);

    const mc = new BufferCursor(await readMetaBlock(source, metaEntry, path), `TFile.meta of ${path}`);
    const version = { major: mc.int16(), minor: mc.int16() };
    if (version.major !== TFILE_MAJOR) {
      throw new LogFileFormatError(
        `${path} is TFile version ${version.major}.${version.minor}; only ${TFILE_MAJOR}.x is supported`,
      );
    }
    const meta: TFileMeta = { version, recordCount: mc.vlong(), comparator: mc.string() ?? '' };

    const ic = new BufferCursor(await readMetaBlock(source, indexEntry, path), `TFile.index of ${path}`);
    const recordsPerBlock: number[] = [];
    const firstKeySize = ic.vlong();
    if (firstKeySize > 0) {
      ic.take(firstKeySize);
      for (let b = 0; b < layout.dataBlocks.length; b++) {
        const entry = new BufferCursor(ic.take(ic.vlong()), `TFile.index entry ${b} of ${path}`);
        entry.take(entry.vlong()); // last key of the block
        recordsPerBlock.push(entry.vlong());
      }
    } else if (layout.dataBlocks.length !== 0) {
      throw new LogFileFormatError(
        `${path}: TFile.index is empty but there are ${layout.dataBlocks.length} data blocks`,
      );
    }
    const total = recordsPerBlock.reduce((a, b) => a + b, 0);
    if (total !== meta.recordCount) {
      throw new LogFileFormatError(
        `${path}: TFile.index counts ${total} records but TFile.meta says ${meta.recordCount}`,
      );
    }
    return new TFileReader(source, path, layout, meta, recordsPerBlock);
  }

  /**
   * Every record in file order. Each value must be consumed (or not) before
   * asking for the next record; the rest is skipped then. Breaking out of the
   * loop releases the block being read.
   */
  async *records(): AsyncGenerator<TFileRecord> {
    const { dataBlocks, defaultCompression } = this.layout;
    for (let b = 0; b < dataBlocks.length; b++) {
      const region = dataBlocks[b]!;
      const input = new SequentialReader(
        openBlock(this.source, region, defaultCompression),
        `data block ${b} of ${this.path}`,
      );
      try {
        const count = this.recordsPerBlock[b] ?? 0;
        for (let r = 0; r < count; r++) {
          const keyLength = await input.readVLong();
          if (keyLength < 0 || keyLength > MAX_KEY_BYTES) {
            throw new LogFileFormatError(
              `${this.path}: record ${r} of data block ${b} has key length ${keyLength}`,
            );
          }
          const key = Buffer.from(await input.readExact(keyLength));
          const value = new ChunkedValueReader(input);
          yield { block: b, key, value };
          await value.drain();
        }
      } finally {
        await input.close();
      }
    }
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}
