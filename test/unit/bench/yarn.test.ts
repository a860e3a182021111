import { describe, expect, it } from 'vitest';
import { findApplicationId, parseSubmissionTimeline, sparkArchivePath } from '../../../scripts/bench/yarn.js';

describe('YARN helpers of the benchmark', () => {
  it('finds the first application id in a client log', () => {
    const log = [
      '26/11/23 07:29:44 INFO YarnClientImpl: Submitted application application_1795414902023_0142',
      'Application report for application_1795414902023_0142 (state: ACCEPTED)',
    ].join('\n');
    expect(findApplicationId(log)).toBe('application_1795414902023_0142');
    expect(findApplicationId('no id here')).toBeUndefined();
  });

  it("reads tspark-submit's submission timeline line", () => {
    const log = [
      'Application application_1795414902023_0130 finished with final status SUCCEEDED.',
      '2026-11-23 07:25:33.524 INFO tspark-submit: Submission timeline (ms since start) {appId=application_1795414902023_0130, ' +
        'timeline={"start":0,"newApplication":180,"bundled":393,"staged":4386,"submitted":4480,"accepted":4495,"running":22846,"finished":25098}}',
    ].join('\n');
    expect(parseSubmissionTimeline(log)).toEqual({
      start: 0,
      newApplication: 180,
      bundled: 393,
      staged: 4386,
      submitted: 4480,
      accepted: 4495,
      running: 22846,
      finished: 25098,
    });
    expect(parseSubmissionTimeline('nothing')).toBeUndefined();
  });

  it('keeps one archive per Spark version on HDFS', () => {
    expect(sparkArchivePath('4.0.5')).toBe('/spark/spark-libs-4.0.5.zip');
  });
});
