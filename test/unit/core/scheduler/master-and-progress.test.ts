import { describe, expect, it } from 'vitest';
import { parseMaster } from '../../../../src/core/master-url.js';
import { ConsoleProgressBar, renderStage } from '../../../../src/core/scheduler/progress-bar.js';
import { UsageError } from '../../../../src/errors.js';

describe('master URLs', () => {
  it('reads local forms with Spark defaults (one attempt per task unless local[K,F])', () => {
    expect(parseMaster('local')).toMatchObject({ kind: 'local', threads: 1, maxFailures: 1 });
    expect(parseMaster('local[3]')).toMatchObject({ kind: 'local', threads: 3, maxFailures: 1 });
    expect(parseMaster('local[*]', () => 6)).toMatchObject({ kind: 'local', threads: 6, maxFailures: 1 });
    expect(parseMaster('local[2, 4]')).toMatchObject({ kind: 'local', threads: 2, maxFailures: 4 });
    expect(parseMaster('local-cluster[2,1,1024]')).toMatchObject({ kind: 'local-cluster', executors: 2, coresPerExecutor: 1, memoryMiB: 1024 });
    expect(parseMaster('yarn')).toMatchObject({ kind: 'yarn' });
  });

  it('refuses malformed masters with the accepted forms', () => {
    expect(() => parseMaster('local[0]')).toThrow(UsageError);
    expect(() => parseMaster('spark://host:7077')).toThrow(/use local, local\[K\]/);
  });
});

describe('console progress bar', () => {
  it("draws Spark's bar", () => {
    // 40 columns: 9 for '[Stage 1:', 13 for '(3 + 2) / 10]', 18 for the bar of which 3/10 is done
    expect(renderStage({ id: 1, total: 10, done: 3 }, 40, 2)).toBe(`[Stage 1:=====>${' '.repeat(12)}(3 + 2) / 10]`);
    expect(renderStage({ id: 0, total: 4, done: 4 }, 30, 0)).toBe(`[Stage 0:${'='.repeat(9)}(4 + 0) / 4]`);
  });

  it('appears after half a second, updates, and erases itself when the stage ends', () => {
    let now = 0;
    let out = '';
    const bar = new ConsoleProgressBar({ write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream, () => now, 2);
    bar.onStageSubmitted(0, 0, 10);
    bar.onTaskEnd(0, true);
    expect(out).toBe(''); // too early
    now = 600;
    bar.onTaskEnd(0, true);
    expect(out).toContain('(2 + 2) / 10]');
    bar.onStageCompleted(0);
    expect(out.endsWith('\r')).toBe(true);
  });
});
