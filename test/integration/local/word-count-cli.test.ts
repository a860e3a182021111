import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The acceptance check: `tspark-submit --master local[2]
 * examples/word-count.ts <file> 4` prints exactly the counts that
 * `tr -s '[:space:]' '\n' | sort | uniq -c` gives for the same file.
 * Needs the built CLI (npm run build; `npm test` builds first).
 */
const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tspark-wc-'));
  input = join(dir, 'input.txt');
  // Zipf-ish vocabulary, mixed whitespace (tabs, runs of spaces, CR, blank lines, vertical tab), UTF-8
  const words = ['the', 'of', 'and', 'spark', 'node', 'café', 'naïve', 'x', 'Yarn', 'yarn', '42', 'a-b', 'end.'];
  const seps = [' ', '  ', '\t', ' \t ', '\n', '\r\n', '\n\n', '\v', '\f'];
  let s = 7;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const parts: string[] = ['  leading space\n'];
  for (let i = 0; i < 200_000; i++) {
    parts.push(words[Math.min(words.length - 1, Math.floor(Math.sqrt(next() % (words.length * words.length))))]! + `${next() % 50 === 0 ? i % 97 : ''}`);
    parts.push(seps[next() % seps.length]!);
  }
  await writeFile(input, parts.join(''));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function parseCounts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^\s*(\d+) (.*)$/.exec(line);
    if (r && r[2] !== '') m.set(r[2]!, Number(r[1]));
  }
  return m;
}

describe('word count through tspark-submit', () => {
  it('matches tr | sort | uniq -c', async () => {
    const { stdout: expectedText } = await run('sh', ['-c', `tr -s '[:space:]' '\\n' < '${input}' | LC_ALL=C sort | LC_ALL=C uniq -c`], { maxBuffer: 1 << 26 });
    const expected = parseCounts(expectedText);
    expect(expected.size).toBeGreaterThan(100);
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/tspark-submit.js'), '--master', 'local[2]', join(ROOT, 'examples/word-count.ts'), input, '4'], {
      cwd: dir,
      maxBuffer: 1 << 26,
      env: { ...process.env, TSPARK_LOG_LEVEL: 'warn' },
    });
    expect(parseCounts(stdout)).toEqual(expected);
    expect(stderr).not.toMatch(/"level":(40|50|60)|Error/);
  });
});
