import { BATCH_SIZE } from '../batch.js';

/**
 * Lines out of a byte stream, with Hadoop LineRecordReader's split rule.
 *
 * The stream starts at absolute file offset `start`; the split ends at `end`:
 *
 *   file:  ...xx\nAAAA\nBBBB|BB\nCCCC\nDD|DD\nEEE
 *                 ^start    (inside B)    ^end
 *   start != 0: the bytes up to and including the first terminator belong to the
 *   previous split (it reads through the line crossing its end), so they are skipped.
 *   Every line that *starts* at an offset <= end is read, whole, even past `end`.
 *
 * So a split at offset 0 reads A..D, the next one skips the rest of D and reads E.
 * `\n`, `\r\n` and a lone `\r` end a line; `\r\n` is one terminator even when the two
 * bytes arrive in different chunks or straddle `end`. A terminator at the very end of
 * the file does not open an empty last line. A UTF-8 byte-order mark at offset 0 is
 * dropped, as Hadoop's LineRecordReader does.
 *
 * Work is done on bytes: terminators are found with Buffer.indexOf (memchr) and each
 * line is decoded once it is complete, so a multi-byte UTF-8 character split across
 * chunks is decoded correctly (bytes 0x0A and 0x0D never occur inside one).
 */

const LF = 0x0a;
const CR = 0x0d;

export interface LineRangeOptions {
  /** Absolute offset of the first byte of the stream; != 0 means "skip the first line". */
  start: number;
  /** Last offset at which a line may start to belong to this split (split start + length). */
  end: number;
  /** Lines per yielded batch. */
  batchSize?: number;
}

export async function* readLineBatches(
  chunks: AsyncIterable<Buffer | string>,
  options: LineRangeOptions,
): AsyncGenerator<string[]> {
  const { start, end } = options;
  const batchSize = options.batchSize ?? BATCH_SIZE;
  let skipping = start !== 0;
  let atFileStart = start === 0;
  /** Absolute offset where the current (incomplete) line starts. */
  let pos = start;
  /** Absolute offset of the next chunk's first byte. */
  let chunkBase = start;
  /** Earlier pieces of the current line, when it spans chunks. */
  let parts: Buffer[] = [];
  let partsLength = 0;
  /** The previous chunk ended with `\r`: a `\n` opening this chunk belongs to that terminator. */
  let pendingCR = false;
  let batch: string[] = [];

  const decode = (buf: Buffer, from: number, to: number): string => {
    let line: string;
    if (partsLength === 0) line = buf.toString('utf8', from, to);
    else {
      if (to > from) parts.push(buf.subarray(from, to));
      line = Buffer.concat(parts).toString('utf8');
      parts = [];
      partsLength = 0;
    }
    if (atFileStart) {
      atFileStart = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    return line;
  };

  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const base = chunkBase;
    chunkBase += buf.length;
    if (buf.length === 0) continue;
    let i = 0;
    if (pendingCR) {
      pendingCR = false;
      if (buf[0] === LF) {
        i = 1;
        pos += 1;
      }
      if (pos > end) break;
    }
    let lf = buf.indexOf(LF, i);
    let cr = buf.indexOf(CR, i);
    let stop = false;
    let fastPath = true;
    while (i < buf.length) {
      if (lf !== -1 && lf < i) lf = buf.indexOf(LF, i);
      if (cr !== -1 && cr < i) cr = buf.indexOf(CR, i);
      if (fastPath && lf !== -1 && partsLength === 0 && !skipping && !atFileStart) {
        // Fast path: every complete line left in the chunk starts within the split, so
        // decode them in one call and split on '\n'. A '\r' before a '\n' is the CRLF
        // terminator; any other '\r' ends a line too, which the per-line path handles.
        const last = buf.lastIndexOf(LF);
        if (base + last <= end) {
          const lines = buf.toString('utf8', i, last).split('\n');
          let clean = true;
          if (cr !== -1 && cr < last) {
            for (let k = 0; k < lines.length && clean; k++) {
              let l = lines[k]!;
              if (l.charCodeAt(l.length - 1) === CR) l = l.slice(0, -1);
              if (l.indexOf('\r') !== -1) clean = false;
              lines[k] = l;
            }
          }
          if (clean) {
            for (let k = 0; k < lines.length; k++) {
              batch.push(lines[k]!);
              if (batch.length >= batchSize) {
                yield batch;
                batch = [];
              }
            }
            i = last + 1;
            pos = base + i;
            if (pos > end) {
              stop = true;
              break;
            }
            lf = -1;
            cr = buf.indexOf(CR, i);
            continue;
          }
        }
        // Either a lone '\r' or a line crossing the split end: per line for the rest of the chunk.
        fastPath = false;
      }
      let t: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        if (lf === -1) break;
        t = lf;
        next = lf + 1;
      } else {
        t = cr;
        if (t + 1 < buf.length) next = buf[t + 1] === LF ? t + 2 : t + 1;
        else {
          next = t + 1;
          pendingCR = true;
        }
      }
      if (skipping) {
        skipping = false;
        parts = [];
        partsLength = 0;
      } else {
        batch.push(decode(buf, i, t));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      i = next;
      pos = base + next;
      // With a pending `\r` the next line's start is not known yet; checked on the next chunk.
      if (!pendingCR && pos > end) {
        stop = true;
        break;
      }
    }
    if (stop) break;
    if (i < buf.length && !skipping) {
      parts.push(i === 0 ? buf : buf.subarray(i));
      partsLength += buf.length - i;
    }
  }
  // End of stream (or of the split): an unterminated last line is still a line.
  if (partsLength > 0 && !skipping && pos <= end) batch.push(decode(Buffer.alloc(0), 0, 0));
  if (batch.length > 0) yield batch;
}
