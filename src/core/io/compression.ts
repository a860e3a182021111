import { pipeline } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { InvalidInputError } from './errors.js';
import { baseName } from './paths.js';

/**
 * Compression is chosen by file extension, as Hadoop's CompressionCodecFactory does.
 * Compressed files cannot be split: each is read whole by one task.
 */
export type Codec = 'gzip' | 'deflate';

/** Hadoop codecs we recognise but cannot decode: better an error than garbage lines. */
const UNSUPPORTED: Record<string, string> = {
  '.bz2': 'bzip2',
  '.zst': 'zstd',
  '.lz4': 'lz4',
  '.snappy': 'snappy',
};

export function codecFor(path: string): Codec | undefined {
  const name = baseName(path).toLowerCase();
  if (name.endsWith('.gz')) return 'gzip';
  // Hadoop's DefaultCodec: zlib format, extension .deflate.
  if (name.endsWith('.deflate')) return 'deflate';
  for (const [ext, codec] of Object.entries(UNSUPPORTED)) {
    if (name.endsWith(ext)) {
      throw new InvalidInputError(
        'UNSUPPORTED_COMPRESSION',
        path,
        `Cannot read ${path}: ${codec} compression is not supported. Decompress it, or recompress with gzip (.gz).`,
      );
    }
  }
  return undefined;
}

/** The decompressed bytes of `compressed`; errors of either stream surface when iterating. */
export function decompress(compressed: NodeJS.ReadableStream, codec: Codec): NodeJS.ReadableStream {
  const inflater = codec === 'gzip' ? createGunzip() : createInflate();
  // pipeline destroys both streams when either fails or the reader stops early; the
  // error itself reaches the reader through the inflater's iterator.
  return pipeline(compressed, inflater, () => {});
}
