import { describe, expect, it } from 'vitest';
import { crashReason } from '../../../src/executor/worker-pool.js';

describe('crashReason', () => {
  it('names the settings to change when a task thread ran out of its heap', () => {
    const err = Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), {
      code: 'ERR_WORKER_OUT_OF_MEMORY',
    });
    const why = crashReason(err, { oldGenerationMiB: 69, youngGenerationMiB: 9 });
    expect(why).toContain('ran out of its heap of 69 MiB');
    expect(why).toMatch(/spark\.executor\.memory.*spark\.executor\.cores.*spark\.memory\.fraction/);
  });

  it('passes any other crash on as it is', () => {
    expect(crashReason(new Error('boom'), undefined)).toBe('crashed: boom');
  });
});
