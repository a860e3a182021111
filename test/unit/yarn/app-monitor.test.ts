import { describe, expect, it } from 'vitest';
import {
  ApplicationFailedError,
  checkFinalReport,
  monitorApplication,
  type AppReportLike,
} from '../../../src/yarn/app-monitor.js';
import { ExitCode } from '../../../src/errors.js';

const base = { id: 'application_1700000000000_0001', finalStatus: 'UNDEFINED' };

function scripted(states: Partial<AppReportLike>[]): () => Promise<AppReportLike> {
  let i = 0;
  return async () => ({ ...base, state: 'NEW', ...states[Math.min(i++, states.length - 1)] }) as AppReportLike;
}

describe('monitorApplication', () => {
  it('prints one report line per state change and stops at a terminal state', async () => {
    const lines: string[] = [];
    let slept = 0;
    const report = await monitorApplication({
      appId: base.id,
      getReport: scripted([
        { state: 'ACCEPTED' },
        { state: 'ACCEPTED' },
        { state: 'RUNNING', amHostHttpAddress: '127.0.0.1:8042', trackingUrl: 'http://rm/proxy/x/' },
        { state: 'RUNNING' },
        { state: 'FINISHED', finalStatus: 'SUCCEEDED' },
      ]),
      sleep: async () => {
        slept++;
      },
      intervalMs: 1000,
      print: (l) => lines.push(l),
    });
    expect(report.state).toBe('FINISHED');
    expect(slept).toBe(4);
    const reportLines = lines.filter((l) => l.startsWith('Application report'));
    expect(reportLines).toEqual([
      `Application report for ${base.id} (state: ACCEPTED)`,
      `Application report for ${base.id} (state: RUNNING)`,
      `Application report for ${base.id} (state: FINISHED)`,
    ]);
    expect(lines).toContain('\t ApplicationMaster host: 127.0.0.1');
    expect(lines).toContain('\t tracking URL: http://rm/proxy/x/');
  });

  it('returns early when asked (waitAppCompletion=false)', async () => {
    const report = await monitorApplication({
      appId: base.id,
      getReport: scripted([{ state: 'SUBMITTED' }, { state: 'ACCEPTED' }, { state: 'RUNNING' }]),
      sleep: async () => {},
      intervalMs: 1,
      print: () => {},
      returnWhen: (r) => r.state === 'ACCEPTED',
    });
    expect(report.state).toBe('ACCEPTED');
  });
});

describe('checkFinalReport', () => {
  const hint = 'Logs: tspark logs application_1700000000000_0001';
  it('accepts FINISHED/SUCCEEDED', () => {
    expect(() => checkFinalReport({ ...base, state: 'FINISHED', finalStatus: 'SUCCEEDED' }, hint)).not.toThrow();
  });
  it.each([
    [{ state: 'FINISHED', finalStatus: 'FAILED', diagnostics: 'User main threw: boom' }, ExitCode.APP_FAILED, /FAILED\. Diagnostics: User main threw: boom/],
    [{ state: 'FAILED', finalStatus: 'FAILED', diagnostics: 'AM container exited with 1' }, ExitCode.APP_FAILED, /AM container exited with 1/],
    [{ state: 'KILLED', finalStatus: 'KILLED', diagnostics: 'Killed by user' }, ExitCode.APP_KILLED, /was killed\. Diagnostics: Killed by user/],
    [{ state: 'FINISHED', finalStatus: 'UNDEFINED' }, ExitCode.APP_FAILED, /final status is UNDEFINED/],
  ])('fails %o with exit code %i', (r, code, message) => {
    let caught: unknown;
    try {
      checkFinalReport({ ...base, ...r }, hint);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApplicationFailedError);
    expect((caught as ApplicationFailedError).exitCode).toBe(code);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain(hint);
  });
});
