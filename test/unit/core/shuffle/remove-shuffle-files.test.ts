import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeShuffleFiles } from '../../../../src/core/shuffle/remove-shuffle-files.js';
import { tempDir } from '../../../support/temp-dir.js';

describe('removeShuffleFiles', () => {
  it("deletes exactly one shuffle's data and index files across directories, missing ones included", async () => {
    const root = tempDir('tspark-remove-shuffle-');
    const a = join(root, 'slot-0', 'shuffle');
    const b = join(root, 'slot-1', 'shuffle');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    const names = [
      'shuffle_3_0_0.data',
      'shuffle_3_0_0.index',
      'shuffle_31_0_0.data', // another shuffle whose id starts the same
      'shuffle_13_2_0.index',
      'spill-3.run',
    ];
    for (const n of names) writeFileSync(join(a, n), 'x');
    writeFileSync(join(b, 'shuffle_3_7_0.data'), 'x');
    writeFileSync(join(b, 'shuffle_3_7_0.index'), 'x');

    expect(await removeShuffleFiles([a, b, join(root, 'missing')], 3)).toBe(4);
    expect(readdirSync(a).sort()).toEqual(['shuffle_13_2_0.index', 'shuffle_31_0_0.data', 'spill-3.run']);
    expect(readdirSync(b)).toEqual([]);
    // nothing left of it: a second call deletes nothing
    expect(await removeShuffleFiles([a, b], 3)).toBe(0);
  });
});
