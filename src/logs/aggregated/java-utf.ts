/**
 * Java's DataOutput.writeUTF strings: an unsigned 16-bit big-endian byte
 * count, then "modified UTF-8" (NUL as C0 80; characters outside the BMP as
 * two 3-byte surrogates). YARN writes container ids, log file names and the
 * decimal file lengths this way.
 */

export class ModifiedUtf8Error extends Error {}

/** Decodes modified UTF-8 into a JS string (UTF-16 code units map one to one). */
export function decodeModifiedUtf8(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const a = bytes[i] as number;
    if (a < 0x80) {
      out += String.fromCharCode(a);
      i += 1;
    } else if ((a & 0xe0) === 0xc0) {
      const b = bytes[i + 1];
      if (b === undefined || (b & 0xc0) !== 0x80)
        throw new ModifiedUtf8Error(`malformed modified UTF-8 at byte ${i}`);
      out += String.fromCharCode(((a & 0x1f) << 6) | (b & 0x3f));
      i += 2;
    } else if ((a & 0xf0) === 0xe0) {
      const b = bytes[i + 1];
      const c = bytes[i + 2];
      if (b === undefined || c === undefined || (b & 0xc0) !== 0x80 || (c & 0xc0) !== 0x80) {
        throw new ModifiedUtf8Error(`malformed modified UTF-8 at byte ${i}`);
      }
      out += String.fromCharCode(((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f));
      i += 3;
    } else {
      throw new ModifiedUtf8Error(`malformed modified UTF-8 at byte ${i}`);
    }
  }
  return out;
}
