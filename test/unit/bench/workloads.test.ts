import { describe, expect, it } from 'vitest';
import { SUITES } from '../../../scripts/bench/options.js';
import { parsePi, selectWorkloads, WORKLOADS, type BenchContext } from '../../../scripts/bench/workloads.js';

describe('parsePi', () => {
  it('reads the line SparkPi prints, in both engines', () => {
    expect(parsePi('x\nPi is roughly 3.14159\n')).toEqual({ pi: 3.14159 });
    expect(parsePi('Pi is roughly 3.1E0')).toEqual({ pi: 3.1 });
    expect(parsePi('no pi')).toBeUndefined();
  });
});

describe('workload selection', () => {
  it('every suite selects something, ids are unique, all holds every workload', () => {
    for (const s of SUITES) expect(selectWorkloads(s).length).toBeGreaterThan(0);
    expect(new Set(WORKLOADS.map((w) => w.id)).size).toBe(WORKLOADS.length);
    expect(selectWorkloads('all')).toHaveLength(WORKLOADS.length);
    expect(selectWorkloads('local').every((w) => w.mode.startsWith('local') || w.mode === '1 thread')).toBe(
      true,
    );
    expect(selectWorkloads('yarn').every((w) => w.mode === 'yarn-cluster')).toBe(true);
  });

  it('a workload that must match another names one that exists', () => {
    for (const w of WORKLOADS)
      if (w.sameAnswerAs) expect(WORKLOADS.some((o) => o.id === w.sameAnswerAs)).toBe(true);
  });
});

describe('yarn-cluster workloads', () => {
  const ctx = {
    repoRoot: '/repo',
    node: '/usr/bin/node',
    options: { sparkVersion: '4.0.5' },
    inputs: { text: '/data/text-v2-1024-s1.txt' },
    spark: {
      install: {
        version: '4.0.5',
        sparkHome: '/spark/pyspark',
        sparkSubmit: '/spark/pyspark/bin/spark-submit',
      },
      jar: '/spark/bench.jar',
    },
    floorScript: '/f.mjs',
    yarn: {
      hadoopConfDir: '/conf',
      defaultFs: 'hdfs://nn:9000',
      hdfsCommand: '/hdfs',
      yarnCommand: '/yarn',
    },
    javaHome: '/jdk',
  } as unknown as BenchContext;

  /** The value after each occurrence of `flag`, and every `--conf` setting. */
  function flags(args: string[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (let i = 0; i < args.length - 1; i++)
      if (args[i]!.startsWith('--')) (out[args[i]!] ??= []).push(args[i + 1]!);
    return out;
  }

  for (const id of ['spark-pi-yarn-cluster', 'wordcount-hdfs-yarn-cluster']) {
    it(`${id}: both engines in cluster mode with the same containers and arguments`, () => {
      const w = WORKLOADS.find((x) => x.id === id)!;
      const { tspark, spark } = w.commands(ctx);
      const t = flags(tspark!.args);
      const s = flags(spark!.args);
      for (const f of [
        '--master',
        '--deploy-mode',
        '--driver-memory',
        '--executor-memory',
        '--num-executors',
        '--executor-cores',
      ])
        expect(t[f], f).toEqual(s[f]);
      expect(t['--master']).toEqual(['yarn']);
      expect(t['--deploy-mode']).toEqual(['cluster']);
      expect(t['--num-executors']).toEqual(['2']);
      const overhead = (a: Record<string, string[]>) =>
        (a['--conf'] ?? []).filter((c) => c.startsWith('spark.executor.memoryOverhead'));
      expect(overhead(t)).toEqual(overhead(s));
      // the application's own arguments come last and are the same
      const appArgs = (args: string[], after: string) => args.slice(args.indexOf(after) + 1);
      expect(
        appArgs(
          tspark!.args,
          tspark!.args.find((a) => a.endsWith('.ts'))!,
        ),
      ).toEqual(appArgs(spark!.args, '/spark/bench.jar'));
      expect(tspark!.env?.HADOOP_CONF_DIR).toBe('/conf');
      expect(spark!.env?.HADOOP_CONF_DIR).toBe('/conf');
      expect(s['--conf']).toContain('spark.yarn.archive=hdfs:///spark/spark-libs-4.0.5.zip');
    });
  }

  it('WordCount on HDFS reads the uploaded copy of the generated text by its full URL', () => {
    const w = WORKLOADS.find((x) => x.id === 'wordcount-hdfs-yarn-cluster')!;
    const { tspark } = w.commands(ctx);
    expect(tspark!.args).toContain('hdfs://nn:9000/tspark-bench/text-v2-1024-s1.txt');
    expect(w.sameAnswerAs).toBe('wordcount-local[1]');
  });

  it('are skipped with the reason when there is no cluster', () => {
    for (const w of WORKLOADS.filter((x) => x.mode === 'yarn-cluster'))
      expect(w.unavailable?.({ ...ctx, yarn: 'the Hadoop test cluster is not running' })).toBe(
        'the Hadoop test cluster is not running',
      );
  });
});
