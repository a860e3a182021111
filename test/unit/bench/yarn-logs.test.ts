import { describe, expect, it } from 'vitest';
import {
  amContainerLog,
  amEvents,
  benchHdfsPath,
  logLineTime,
  parseAggregatedLogs,
  readDefaultFs,
  submissionPhases,
} from '../../../scripts/bench/yarn.js';

/** One log file in the layout `yarn logs` and `tspark logs` print. */
function section(containerId: string, logType: string, contents: string): string {
  return [
    `Container: ${containerId} on localhost_45454`,
    'LogAggregationType: AGGREGATED',
    '====================================================================',
    `LogType:${logType}`,
    'LogLastModifiedTime:Mon Nov 23 07:36:17 +0000 2026',
    `LogLength:${contents.length}`,
    'LogContents:',
    contents,
    `End of LogType:${logType}`,
    '***********************************************************************',
    '',
  ].join('\n');
}

const AM = 'container_1795414902023_0188_01_000001';
const EXECUTOR = 'container_1795414902023_0188_01_000002';
const AM_STDERR = [
  '2026-11-23 07:36:14.341 INFO am: ApplicationMaster started {appId=application_1795414902023_0188}',
  '2026-11-23 07:36:14.447 INFO rm-session: Registered with the ResourceManager {appId=application_1795414902023_0188}',
  '2026-11-23 07:36:15.600 INFO cluster-backend: Registered executor 2 (localhost, pid 7) with 1 cores {executorId=2}',
  '2026-11-23 07:36:15.650 INFO cluster-backend: Registered executor 1 (localhost, pid 8) with 1 cores {executorId=1}',
  '2026-11-23 07:36:15.718 INFO DAGScheduler: Job 0 finished: reduce at __app__.mjs:12, took 1.112 s {jobId=0}',
  '2026-11-23 07:36:16.020 INFO DAGScheduler: Job 1 finished: count at __app__.mjs:14, took 0.2 s {jobId=1}',
  '2026-11-23 07:36:16.905 INFO rm-session: Unregistered from the ResourceManager {finalStatus=SUCCEEDED}',
].join('\n');

describe('aggregated logs', () => {
  const text = [
    'Application application_1795414902023_0188 is unknown to the ResourceManager; looking for its aggregated logs directly.',
    section(EXECUTOR, 'stdout', ''),
    section(EXECUTOR, 'stderr', 'executor says\nLogType:stdout is not a header here'),
    section(AM, 'stderr', AM_STDERR),
    section(AM, 'stdout', 'Pi is roughly 3.1405671405671405'),
  ].join('\n');

  it('splits the output into container log files, contents intact', () => {
    const logs = parseAggregatedLogs(text);
    expect(logs.map((l) => `${l.containerId.slice(-6)} ${l.logType}`)).toEqual([
      '000002 stdout',
      '000002 stderr',
      '000001 stderr',
      '000001 stdout',
    ]);
    expect(logs[1]!.contents).toBe('executor says\nLogType:stdout is not a header here');
    expect(logs[2]!.contents).toBe(AM_STDERR);
  });

  it("picks the driver's container (the AM's), of the last attempt", () => {
    const logs = parseAggregatedLogs(
      text + section('container_1795414902023_0188_02_000001', 'stdout', 'second attempt'),
    );
    expect(amContainerLog(logs, 'stdout')).toBe('second attempt');
    expect(amContainerLog(parseAggregatedLogs(text), 'stdout')).toBe('Pi is roughly 3.1405671405671405');
    expect(amContainerLog(parseAggregatedLogs(section(EXECUTOR, 'stdout', 'x')), 'stdout')).toBeUndefined();
  });
});

describe('phases from the logs', () => {
  it('reads log line times as UTC', () => {
    expect(logLineTime('2026-11-23 07:36:14.447 INFO x: y')).toBe(Date.UTC(2026, 10, 23, 7, 36, 14, 447));
    expect(logLineTime('Pi is roughly 3.14')).toBeUndefined();
  });

  it('finds AM registration, the first executor and the last job in the AM log', () => {
    expect(amEvents(AM_STDERR)).toEqual({
      amRegistered: Date.UTC(2026, 10, 23, 7, 36, 14, 447),
      firstExecutorRegistered: Date.UTC(2026, 10, 23, 7, 36, 15, 600),
      jobDone: Date.UTC(2026, 10, 23, 7, 36, 16, 20),
    });
    expect(amEvents('2026-11-23 07:36:14.341 INFO am: ApplicationMaster started')).toEqual({});
  });

  it('puts the client timeline and the AM events on one clock: ms since the CLI was spawned', () => {
    const spawnedAt = Date.UTC(2026, 10, 23, 7, 36, 10, 0);
    // The submission started 250 ms after the spawn: staged at +3770 ms, logged just then.
    const cliLog = [
      '2026-11-23 07:36:14.020 INFO tspark-submit: Submitting application to the ResourceManager {queue=default}',
      '2026-11-23 07:36:17.100 INFO tspark-submit: Submission timeline (ms since start) {appId=application_1_1, ' +
        'timeline={"start":0,"newApplication":131,"bundled":233,"staged":3770,"submitted":3799,"accepted":3837,"running":5100,"finished":6500}}',
    ].join('\n');
    expect(submissionPhases(cliLog, AM_STDERR, spawnedAt)).toEqual({
      clientStarted: 250,
      newApplication: 381,
      bundled: 483,
      staged: 4020,
      submitted: 4049,
      accepted: 4087,
      running: 5350,
      finished: 6750,
      amRegistered: 4447,
      firstExecutorRegistered: 5600,
      jobDone: 6020,
    });
    expect(submissionPhases('no timeline', AM_STDERR, spawnedAt)).toBeUndefined();
  });
});

describe('HDFS locations', () => {
  it('reads fs.defaultFS from core-site.xml', () => {
    const xml =
      '<configuration>\n  <property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:9000</value></property>\n</configuration>';
    expect(readDefaultFs(xml)).toBe('hdfs://127.0.0.1:9000');
    expect(readDefaultFs('<configuration/>')).toBeUndefined();
  });

  it('keys the HDFS copy of an input by its file name (format, size, seed)', () => {
    expect(benchHdfsPath('cache/tspark/bench-data/text-v2-67108864-s20260101.txt')).toBe(
      '/tspark-bench/text-v2-67108864-s20260101.txt',
    );
  });
});
