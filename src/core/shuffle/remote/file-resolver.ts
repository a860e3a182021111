import { access } from 'node:fs/promises';
import { shuffleFilePaths } from '../writer.js';

/**
 * Finds the data and index files of a map output among the directories an
 * executor's tasks write shuffle output to (one per task slot). Requests name
 * blocks by numbers only, so a peer can never make the server open a path of
 * its choosing.
 */
export class ShuffleFileResolver {
  constructor(private readonly dirs: readonly string[]) {}

  async resolve(
    shuffleId: number,
    mapId: number,
  ): Promise<{ dataPath: string; indexPath: string } | undefined> {
    for (const dir of this.dirs) {
      const paths = shuffleFilePaths(dir, shuffleId, mapId);
      try {
        await access(paths.indexPath);
        return paths;
      } catch {
        // not in this slot's directory
      }
    }
    return undefined;
  }
}
