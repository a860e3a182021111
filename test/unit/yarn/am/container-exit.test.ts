import { describe, expect, it } from 'vitest';
import { describeContainerExit, lastLines } from '../../../../src/yarn/am/container-exit.js';
import { completed, containerId } from './fake-rm.js';

const status = (exit: number, diagnostics = '') => completed(containerId(2), exit, diagnostics);

describe('describeContainerExit', () => {
  it.each([
    [0, 'finished', /exited normally/],
    [
      -104,
      'failed',
      /killed for exceeding physical memory of 1408 MiB: raise spark\.executor\.memoryOverhead/,
    ],
    [-103, 'failed', /virtual memory/],
    [-100, 'lost', /node lost/],
    [-102, 'lost', /preempted/],
    [-101, 'lost', /disks/],
    [-105, 'lost', /killed by YARN/],
    [1, 'failed', /exited with code 1$/],
    [137, 'failed', /exited with code 137 \(SIGKILL\)/],
  ])('exit status %i is %s', (exit, kind, reason) => {
    const e = describeContainerExit({ status: status(exit), memoryMiB: 1408 });
    expect(e.kind).toBe(kind);
    expect(e.reason).toMatch(reason);
  });

  it('a SIGTERM whose diagnostics mention physical memory is the memory kill', () => {
    const diag =
      "Container [pid=1,containerID=c] is running 600MB beyond the 'PHYSICAL' memory limit. Current usage: 1.1 GB of 512 MB physical memory used";
    expect(describeContainerExit({ status: status(143, diag) }).reason).toMatch(
      /^killed for exceeding physical memory/,
    );
    expect(describeContainerExit({ status: status(143, 'other') }).reason).toMatch(
      /exited with code 143 \(SIGTERM\)/,
    );
  });

  it('quotes the last five lines of stderr when there is one, else the diagnostics', () => {
    const stderr = Array.from({ length: 8 }, (_, i) => `line ${i + 1}`).join('\n') + '\n\n';
    const withTail = describeContainerExit({
      status: status(1, 'Exception from container-launch'),
      stderrTail: stderr,
    });
    expect(withTail.reason).toBe(
      'exited with code 1; last lines of its stderr:\n    line 4\n    line 5\n    line 6\n    line 7\n    line 8',
    );
    const withoutTail = describeContainerExit({
      status: status(2, 'Exception from container-launch.\nExit code: 2'),
    });
    expect(withoutTail.reason).toBe('exited with code 2: Exception from container-launch.\nExit code: 2');
  });

  it('lastLines skips blank lines', () => {
    expect(lastLines('a\n\nb\r\nc\n', 2)).toBe('b\nc');
  });
});
