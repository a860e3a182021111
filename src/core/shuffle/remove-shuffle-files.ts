import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Deletes the map output files of one shuffle (`shuffle_<id>_<map>_0.data`
 * and `.index`, as shuffleFilePaths names them) from shuffle directories.
 * Directories that do not exist, and a shuffle with no files there, are not
 * errors: the caller does not know which executor or slot wrote what.
 * Returns the number of files deleted.
 */
export async function removeShuffleFiles(dirs: readonly string[], shuffleId: number): Promise<number> {
  if (!Number.isInteger(shuffleId) || shuffleId < 0) return 0;
  const pattern = new RegExp(`^shuffle_${shuffleId}_\\d+_0\\.(?:data|index)$`);
  let removed = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!pattern.test(name)) continue;
      try {
        await unlink(join(dir, name));
        removed++;
      } catch {
        // already gone
      }
    }
  }
  return removed;
}
