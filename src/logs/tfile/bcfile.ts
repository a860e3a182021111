/**
 * BCFile, the block container under TFile (Hadoop `io.file.tfile.BCFile`).
 *
 *   +----------------+--------------+-----+-------------+------------+---------------------------------+
 *   | magic (16)     | data block 0 | ... | meta blocks | meta index | tail                            |
 *   +----------------+--------------+-----+-------------+------------+---------------------------------+
 *   tail = int64 BE offset of the meta index | int16 major | int16 minor | magic (16)   (28 bytes)
 *
 *   meta index = VInt count, then per meta block:
 *                String "data:<name>" | String compression | VLong offset | VLong compressedSize | VLong rawSize
 *   meta block "BCFile.index" (default compression) =
 *                String default compression | VInt block count | per data block: VLong offset, compressedSize, rawSize
 *
 * Strings are a VInt byte length (-1 = null) and UTF-8 bytes. VInt/VLong are
 * TFile's encoding (vlong.ts).
 */
import { LogFileFormatError } from '../errors.js';
import { checkCompression, openBlock, type BlockRegion, type CompressionName } from './block-source.js';
import type { RandomAccessSource } from './random-access.js';
import { SequentialReader } from './sequential-reader.js';
import { decodeVLong, vlongEncodedLength, VLongFormatError } from './vlong.js';

export const BCFILE_MAGIC = Buffer.from([
  0xd1, 0x11, 0xd3, 0x68, 0x91, 0xb5, 0xd7, 0xb6, 0x39, 0xdf, 0x41, 0x40, 0x92, 0xba, 0xe1, 0x50,
]);
const TAIL_BYTES = 8 + 2 + 2 + BCFILE_MAGIC.length;
/** Supported BCFile major version (Hadoop writes 1.0). */
const BCFILE_MAJOR = 1;
/** Meta blocks are indexes and small headers; refuse absurd sizes instead of buffering them. */
const MAX_META_BLOCK_BYTES = 64 * 1024 * 1024;

export interface MetaBlockEntry {
  name: string;
  compression: CompressionName;
  region: BlockRegion;
}

export interface BCFileLayout {
  version: { major: number; minor: number };
  defaultCompression: CompressionName;
  dataBlocks: BlockRegion[];
  metaBlocks: Map<string, MetaBlockEntry>;
}

/** A cursor over an in-memory buffer with TFile's primitive decoders. */
export class BufferCursor {
  private pos = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly description: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  take(n: number): Buffer {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new LogFileFormatError(
        `${this.description} is truncated (wanted ${n} bytes at ${this.pos} of ${this.bytes.length})`,
      );
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  vlong(): number {
    const first = this.bytes[this.pos];
    if (first === undefined)
      throw new LogFileFormatError(`${this.description} is truncated (wanted a VLong at ${this.pos})`);
    try {
      return decodeVLong(this.take(vlongEncodedLength(first)));
    } catch (e) {
      if (e instanceof VLongFormatError) throw new LogFileFormatError(`${e.message} in ${this.description}`);
      throw e;
    }
  }

  /** TFile string: VInt length (-1 = null) then UTF-8. */
  string(): string | null {
    const len = this.vlong();
    if (len === -1) return null;
    if (len < 0) throw new LogFileFormatError(`negative string length ${len} in ${this.description}`);
    return this.take(len).toString('utf8');
  }

  int16(): number {
    return this.take(2).readInt16BE(0);
  }
}

function readRegion(c: BufferCursor): BlockRegion {
  return { offset: c.vlong(), compressedSize: c.vlong(), rawSize: c.vlong() };
}

/** Reads a meta block whole (they are small: indexes and headers). */
export async function readMetaBlock(
  source: RandomAccessSource,
  entry: MetaBlockEntry,
  path: string,
): Promise<Buffer> {
  if (entry.region.compressedSize > MAX_META_BLOCK_BYTES) {
    throw new LogFileFormatError(
      `meta block ${entry.name} of ${path} is ${entry.region.compressedSize} bytes; refusing to buffer it`,
    );
  }
  const reader = new SequentialReader(
    openBlock(source, entry.region, entry.compression),
    `meta block ${entry.name} of ${path}`,
  );
  try {
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const part = await reader.readUpTo(64 * 1024);
      if (part === null) break;
      total += part.length;
      if (total > MAX_META_BLOCK_BYTES)
        throw new LogFileFormatError(
          `meta block ${entry.name} of ${path} inflates beyond ${MAX_META_BLOCK_BYTES} bytes`,
        );
      parts.push(Buffer.from(part));
    }
    return Buffer.concat(parts, total);
  } finally {
    await reader.close();
  }
}

/** Reads the tail, the meta index and the data-block index. */
export async function readBCFileLayout(source: RandomAccessSource, path: string): Promise<BCFileLayout> {
  if (source.size < BCFILE_MAGIC.length + TAIL_BYTES) {
    throw new LogFileFormatError(
      `${path} is ${source.size} bytes, too short to be a TFile aggregated log (is it still being written?)`,
    );
  }
  // Like Hadoop's reader, only the trailing magic is checked: the head would cost a request.
  const tail = await source.read(source.size - TAIL_BYTES, TAIL_BYTES);
  if (!tail.subarray(12).equals(BCFILE_MAGIC)) {
    throw new LogFileFormatError(
      `${path} is not a TFile (BCFile magic missing); if the cluster aggregates with the indexed format, see docs/logs.md`,
    );
  }
  const metaIndexOffset = Number(tail.readBigInt64BE(0));
  const version = { major: tail.readInt16BE(8), minor: tail.readInt16BE(10) };
  if (version.major !== BCFILE_MAJOR) {
    throw new LogFileFormatError(
      `${path} is BCFile version ${version.major}.${version.minor}; only ${BCFILE_MAJOR}.x is supported`,
    );
  }
  const metaIndexEnd = source.size - TAIL_BYTES;
  if (metaIndexOffset < BCFILE_MAGIC.length || metaIndexOffset > metaIndexEnd) {
    throw new LogFileFormatError(`${path}: meta index offset ${metaIndexOffset} lies outside the file`);
  }
  const metaIndexBytes = await source.read(metaIndexOffset, metaIndexEnd - metaIndexOffset);
  const mc = new BufferCursor(metaIndexBytes, `meta index of ${path}`);
  const count = mc.vlong();
  if (count < 0) throw new LogFileFormatError(`${path}: negative meta block count ${count}`);
  const metaBlocks = new Map<string, MetaBlockEntry>();
  for (let i = 0; i < count; i++) {
    const fullName = mc.string();
    if (fullName === null || !fullName.startsWith('data:'))
      throw new LogFileFormatError(`${path}: corrupted meta index entry`);
    const name = fullName.slice('data:'.length);
    const compression = checkCompression(mc.string() ?? '', `meta block ${name} of ${path}`);
    metaBlocks.set(name, { name, compression, region: readRegion(mc) });
  }
  const indexEntry = metaBlocks.get('BCFile.index');
  if (!indexEntry) throw new LogFileFormatError(`${path}: the BCFile.index meta block is missing`);
  const ic = new BufferCursor(await readMetaBlock(source, indexEntry, path), `BCFile.index of ${path}`);
  const defaultCompression = checkCompression(ic.string() ?? '', `data blocks of ${path}`);
  const blockCount = ic.vlong();
  if (blockCount < 0) throw new LogFileFormatError(`${path}: negative data block count ${blockCount}`);
  const dataBlocks: BlockRegion[] = [];
  for (let i = 0; i < blockCount; i++) dataBlocks.push(readRegion(ic));
  return { version, defaultCompression, dataBlocks, metaBlocks };
}
