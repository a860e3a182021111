import { describe, expect, it } from 'vitest';
import { HadoopConf } from '../../../../src/conf/hadoop-conf.js';
import { SparkConf } from '../../../../src/conf/spark-conf.js';
import { maxAppAttempts } from '../../../../src/yarn/am/bootstrap.js';

function hadoop(max?: string): HadoopConf {
  const c = new HadoopConf();
  if (max !== undefined) c.set('yarn.resourcemanager.am.max-attempts', max, 'test');
  return c;
}

describe('maxAppAttempts (whether this attempt is the last)', () => {
  it('is spark.yarn.maxAppAttempts capped by yarn.resourcemanager.am.max-attempts', () => {
    expect(
      maxAppAttempts(
        { maxAppAttempts: undefined },
        new SparkConf({ 'spark.yarn.maxAppAttempts': '5' }),
        hadoop('3'),
      ),
    ).toBe(3);
    expect(
      maxAppAttempts(
        { maxAppAttempts: undefined },
        new SparkConf({ 'spark.yarn.maxAppAttempts': '1' }),
        hadoop('3'),
      ),
    ).toBe(1);
  });
  it("is the cluster's maximum when the application sets none (YARN's default 2 when unset)", () => {
    expect(maxAppAttempts({ maxAppAttempts: undefined }, new SparkConf(), hadoop('4'))).toBe(4);
    expect(maxAppAttempts({ maxAppAttempts: undefined }, new SparkConf(), hadoop())).toBe(2);
  });
  it('is MAX_APP_ATTEMPTS when the RM sets it', () => {
    expect(
      maxAppAttempts({ maxAppAttempts: 7 }, new SparkConf({ 'spark.yarn.maxAppAttempts': '1' }), hadoop('3')),
    ).toBe(7);
  });
});
