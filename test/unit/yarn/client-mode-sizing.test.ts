import { describe, expect, it } from 'vitest';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import { amArguments, planContainers } from '../../../src/yarn/submit.js';

/**
 * Spark's rule for the ApplicationMaster's container: in client mode it is
 * sized by spark.yarn.am.memory / spark.yarn.am.cores (the driver's memory is
 * tspark-submit's own heap); in cluster mode the AM is the driver.
 */
const conf = (entries: Record<string, string>) =>
  new SparkConf({
    'spark.driver.memory': '2g',
    'spark.driver.cores': '3',
    'spark.yarn.am.memory': '300m',
    'spark.yarn.am.cores': '2',
    ...entries,
  });

describe('yarn-client: the ApplicationMaster container', () => {
  it('client mode sizes the AM with spark.yarn.am.memory and spark.yarn.am.cores, not the driver settings', () => {
    const { am } = planContainers({ deployMode: 'client', conf: conf({}) });
    expect(am.heapMiB).toBe(300);
    expect(am.memoryMiB).toBe(300 + 384);
    expect(am.vCores).toBe(2);
    expect(am.explanation).toContain('spark.yarn.am.memory');
  });

  it('spark.yarn.am.memoryOverhead replaces the default overhead in client mode', () => {
    const { am } = planContainers({ deployMode: 'client', conf: conf({ 'spark.yarn.am.memoryOverhead': '500m' }) });
    expect(am.memoryMiB).toBe(800);
  });

  it('cluster mode sizes the AM as the driver', () => {
    const { am } = planContainers({ deployMode: 'cluster', conf: conf({}) });
    expect(am.heapMiB).toBe(2048);
    expect(am.vCores).toBe(3);
  });

  it('the client-mode AM is started with --deploy-mode client', () => {
    const args = amArguments({ deployMode: 'client', mainExport: 'default', appArgs: ['a'] });
    expect(args.slice(0, 2)).toEqual(['--deploy-mode', 'client']);
    expect(args.at(-1)).toBe('a');
  });
});
