import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The tspark package this code runs from: its root (for conf/) and version.
 * Found by walking up from this module, so it works from src/ (tests) and
 * from dist/src/ (the installed CLI) alike.
 */
export function findPackage(fromUrl: string): { root: string; version: string } | undefined {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'tspark') return { root: dir, version: pkg.version ?? '0.0.0' };
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
