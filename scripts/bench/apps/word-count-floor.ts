// The physical floor for WordCount: one thread, no engine. Reads the file in
// large chunks, splits lines on ASCII whitespace and counts into a Map; the
// best any engine can do per core with the same string handling.
//   node word-count-floor.mjs <input>
import { createReadStream } from 'node:fs';
import { addToCountSummary, emptyCountSummary, resultLine } from '../summary.js';

const WHITESPACE = /[ \t\n\v\f\r]+/;

async function main(input: string): Promise<void> {
  const t0 = performance.now();
  const counts = new Map<string, number>();
  let carry = '';
  const countLine = (line: string) => {
    for (const w of line.split(WHITESPACE)) if (w.length > 0) counts.set(w, (counts.get(w) ?? 0) + 1);
  };
  for await (const chunk of createReadStream(input, { encoding: 'utf8', highWaterMark: 4 << 20 })) {
    const text = carry + (chunk as string);
    const lines = text.split('\n');
    carry = lines.pop()!;
    for (const line of lines) countLine(line);
  }
  countLine(carry);
  const s = emptyCountSummary();
  for (const [w, n] of counts) addToCountSummary(s, w, n);
  console.log(resultLine({ ...s, jobSeconds: (performance.now() - t0) / 1000 }));
}

const input = process.argv[2];
if (!input) {
  console.error('usage: word-count-floor <input>');
  process.exitCode = 2;
} else {
  await main(input);
}
