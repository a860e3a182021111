import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapeForYarnShell } from '../../../src/yarn/shell-escape.js';

/**
 * Runs the quoted arguments through the same two shells a NodeManager uses:
 * its launch script runs `exec /bin/bash -c "<pieces joined by spaces>"`.
 */
function throughLaunchScript(args: string[]): string[] {
  const joined = ['printf', "'%s\\0'", ...args.map(escapeForYarnShell)].join(' ');
  const launchScript = `exec /bin/bash -c "${joined}"`;
  const out = execFileSync('/bin/bash', ['-c', launchScript], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return out.split('\0').slice(0, -1);
}

describe('escapeForYarnShell', () => {
  it('delivers every argument unchanged through the launch script and bash -c', () => {
    const args = [
      'plain',
      'two words',
      '$HOME',
      '${PATH}',
      '$(echo pwned)',
      '`echo pwned`',
      'it\'s',
      'say "hi"',
      'back\\slash',
      'tab\tand\nnewline',
      '*',
      '',
      'a;b&&c|d>e',
      "'\"$`\\",
    ];
    expect(throughLaunchScript(args)).toEqual(args);
  });
});
