import { describe, expect, it } from 'vitest';
import { SparkConf } from '../../../../src/conf/spark-conf.js';
import { applicationSecret, executorConf } from '../../../../src/core/scheduler/cluster/local-cluster.js';

describe('local-cluster configuration', () => {
  it('sends executors the whole configuration except the application secret', () => {
    const conf = new SparkConf({
      'spark.app.name': 'a',
      'spark.authenticate.secret': 'top-secret',
      'spark.executor.heartbeatInterval': '2s',
    });
    expect(executorConf(conf)).toEqual({ 'spark.app.name': 'a', 'spark.executor.heartbeatInterval': '2s' });
  });

  it('uses spark.authenticate.secret when set, else fresh random bytes', () => {
    expect(applicationSecret(new SparkConf({ 'spark.authenticate.secret': 'abc' }))).toEqual(
      Buffer.from('abc'),
    );
    const drawn: number[] = [];
    const secret = applicationSecret(new SparkConf({}), (n) => {
      drawn.push(n);
      return Buffer.alloc(n, 7);
    });
    expect(drawn).toEqual([32]);
    expect(secret).toEqual(Buffer.alloc(32, 7));
  });
});
