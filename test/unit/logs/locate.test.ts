import { describe, expect, it } from 'vitest';
import {
  aggregationSettings,
  bucketOf,
  candidateAppDirs,
  locateAggregatedLogs,
} from '../../../src/logs/aggregated/locate.js';
import type { LogsFileSystem } from '../../../src/logs/deps.js';
import { notFound } from './fake-cluster.js';

const conf = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
const APP = 'application_1700000000000_12345';

describe('where aggregated logs live', () => {
  it('uses the 3.3+ bucket (sequence mod 10000, 4 digits), then the 3.2 and 3.1 layouts', () => {
    expect(bucketOf(APP)).toBe('2345');
    expect(bucketOf('application_1700000000000_0007')).toBe('0007');
    const s = aggregationSettings(conf({}));
    expect(s.formats.map((f) => [f.name, f.kind, f.root, f.suffix])).toEqual([
      ['TFile', 'tfile', '/tmp/logs', 'logs-tfile'],
    ]);
    expect(candidateAppDirs(s, s.formats[0]!, APP, 'alice')).toEqual([
      `/tmp/logs/alice/bucket-logs-tfile/2345/${APP}`,
      `/tmp/logs/alice/logs-tfile/${APP}`,
      `/tmp/logs/alice/logs/${APP}`,
    ]);
  });

  it('honours per-format overrides, the base suffix, include-older and a qualified root', () => {
    const s = aggregationSettings(
      conf({
        'yarn.nodemanager.remote-app-log-dir': 'hdfs://nn.example.com:8020/app-logs',
        'yarn.nodemanager.remote-app-log-dir-suffix': 'agg',
        'yarn.nodemanager.remote-app-log-dir.include-older': 'false',
        'yarn.log-aggregation.file-formats': 'IndexedFormat,TFile',
        'yarn.log-aggregation.file-controller.IndexedFormat.class':
          'org.apache.hadoop.yarn.logaggregation.filecontroller.ifile.LogAggregationIndexedFileController',
        'yarn.log-aggregation.TFile.remote-app-log-dir-suffix': 'tf',
      }),
    );
    expect(s.formats.map((f) => [f.name, f.kind, f.root, f.suffix])).toEqual([
      ['IndexedFormat', 'indexed', '/app-logs', 'agg-indexedformat'],
      ['TFile', 'tfile', '/app-logs', 'tf'],
    ]);
    expect(candidateAppDirs(s, s.formats[1]!, APP, 'bob')).toEqual([
      `/app-logs/bob/bucket-tf/2345/${APP}`,
      `/app-logs/bob/agg/${APP}`,
    ]);
  });

  it('takes the first format with a directory, skipping .tmp files, across layouts', async () => {
    const dirs: Record<string, string[]> = {
      [`/tmp/logs/alice/bucket-logs-tfile/2345/${APP}`]: ['host_1', 'host_2.tmp'],
      [`/tmp/logs/alice/logs-tfile/${APP}`]: ['host_3', 'host_1'],
    };
    const fs: LogsFileSystem = {
      list: async (p) => {
        const names = dirs[p];
        if (!names) throw notFound(p);
        return names.map((name) => ({ name, type: 'FILE' as const, length: 100, modificationTime: 5 }));
      },
      read: () => {
        throw new Error('not read');
      },
    };
    const located = await locateAggregatedLogs(fs, aggregationSettings(conf({})), APP, 'alice', 'alice');
    expect(located!.files.map((f) => f.path)).toEqual([
      `/tmp/logs/alice/bucket-logs-tfile/2345/${APP}/host_1`,
      `/tmp/logs/alice/logs-tfile/${APP}/host_3`,
    ]);
    expect(
      await locateAggregatedLogs(fs, aggregationSettings(conf({})), APP, 'carol', 'carol'),
    ).toBeUndefined();
  });
});
