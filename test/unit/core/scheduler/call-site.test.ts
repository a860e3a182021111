import { describe, expect, it } from 'vitest';
import { userCallSite } from '../../../../src/core/util/call-site.js';

describe('userCallSite', () => {
  it("skips tspark's and Node's frames and names the user's file and line", () => {
    const stack = [
      'Error',
      '    at SparkContext.runJob (/pkg/dist/src/core/context.js:210:19)',
      '    at collect (/pkg/dist/src/core/rdd/actions.js:12:5)',
      '    at RDD.collect (/pkg/src/core/rdd/rdd.ts:300:20)',
      '    at main (/home/me/jobs/word-count.ts:21:34)',
      '    at async runApplication (/pkg/dist/src/deploy/run-application.js:30:9)',
    ].join('\n');
    expect(userCallSite(stack)).toBe('word-count.ts:21');
    expect(userCallSite('Error\n    at file:///tmp/app.mjs:7:3')).toBe('app.mjs:7');
    expect(userCallSite('Error\n    at node:internal/process/task_queues:95:5')).toBeUndefined();
  });
});
