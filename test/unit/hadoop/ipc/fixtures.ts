import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Bytes of a fixture in test/fixtures/ipc (written by Hadoop 3.4.3; see its README). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(
    readFileSync(fileURLToPath(new URL(`../../../fixtures/ipc/${name}`, import.meta.url))),
  );
}

/** The generator's client id: bytes 0x10..0x1f. */
export const FIXTURE_CLIENT_ID = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);

export const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
