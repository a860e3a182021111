import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { logContents, nodeManagerStderrTail } from '../../../../src/yarn/am/stderr-tail.js';
import { createContainer } from './fake-rm.js';

// Recorded from a NodeManager of the test cluster (test/fixtures/yarn-am/README.md).
const recorded = readFileSync(
  new URL('../../../fixtures/yarn-am/nm-containerlogs-stderr-running.txt', import.meta.url),
  'utf8',
);
const written = 'line one\nexecutor refused: marker-7\n';

describe('stderr tail from the NodeManager', () => {
  it('takes the file bytes out of the NodeManager framing', () => {
    expect(logContents(recorded, 4096)).toBe(written);
    expect(logContents('plain text', 4096)).toBe('plain text');
  });

  it('asks for the last 4096 bytes of stderr on the container node and unframes them', async () => {
    const asked: string[] = [];
    const tail = nodeManagerStderrTail({
      get: async (node, pathAndQuery) => {
        asked.push(`${node}${pathAndQuery}`);
        return { status: 200, body: Readable.from([Buffer.from(recorded)]) };
      },
    });
    const c = createContainer('nm-a');
    expect(await tail(c)).toBe(written);
    expect(asked).toEqual([
      `nm-a:8042/ws/v1/node/containerlogs/container_1700000000000_0007_01_${String(c.id.containerId).padStart(6, '0')}/stderr?size=-4096`,
    ]);
  });

  it('gives nothing for a NodeManager error answer', async () => {
    const tail = nodeManagerStderrTail({
      get: async () => ({ status: 404, body: Readable.from([Buffer.from('Unknown container')]) }),
    });
    expect(await tail(createContainer('nm-a'))).toBeUndefined();
  });
});
