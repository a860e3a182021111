// Loading helpers for test/fixtures/logs (see its README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/logs/', import.meta.url));

export function fixtureBytes(dir: string, file: string): Buffer {
  const bytes = readFileSync(path.join(FIXTURES, dir, file));
  return file.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

export function fixtureMeta<T>(dir: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, dir, 'meta.json'), 'utf8')) as T;
}

export interface WriterMeta {
  compression: 'gz' | 'none';
  appId: string;
  owner: string;
  containers: string[];
  file: string;
  length: number;
}

// The content formulas of scripts/fixtures/logs/capture.mjs, written out
// again here (plain loops) so the expectations do not come from the script.

/** `lines` (8192) lines of 64 hex digits from the LCG x' = (1103515245 x + 12345) mod 2^31, x0 = 42. */
export function expectedHexLines(lines = 8192): string {
  let x = 42n;
  let out = '';
  for (let line = 0; line < lines; line++) {
    for (let k = 0; k < 8; k++) {
      x = (x * 1103515245n + 12345n) % 2147483648n;
      out += x.toString(16).padStart(8, '0');
    }
    out += '\n';
  }
  return out;
}

/** "block NNN" then 300 filler lines, `blocks` times. */
export function expectedFillerBlocks(blocks: number): string {
  const parts: string[] = [];
  for (let b = 0; b < blocks; b++) {
    parts.push(`block ${String(b).padStart(3, '0')}\n`);
    for (let l = 0; l < 300; l++)
      parts.push(`filler ${String(l).padStart(3, '0')} abcdefghijklmnopqrstuvwxyz0123456789\n`);
  }
  return parts.join('');
}
