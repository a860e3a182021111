import { describe, expect, it } from 'vitest';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import { rpcSettings } from '../../../src/rpc/rpc-settings.js';

describe('rpcSettings', () => {
  it("uses Spark's defaults: 128 MiB messages, asks timing out with the network timeout (120 s)", () => {
    expect(rpcSettings(new SparkConf({}))).toEqual({
      maxFrameBytes: 128 * 1024 * 1024,
      requestTimeoutMs: 120_000,
      networkTimeoutMs: 120_000,
    });
  });

  it('reads a bare maxSize in MiB, units where given, and askTimeout over the network timeout', () => {
    expect(
      rpcSettings(
        new SparkConf({
          'spark.rpc.message.maxSize': '256',
          'spark.network.timeout': '300s',
          'spark.rpc.askTimeout': '30',
        }),
      ),
    ).toEqual({ maxFrameBytes: 256 * 1024 * 1024, requestTimeoutMs: 30_000, networkTimeoutMs: 300_000 });
    expect(
      rpcSettings(new SparkConf({ 'spark.rpc.message.maxSize': '1g', 'spark.network.timeout': '90' })),
    ).toEqual({
      maxFrameBytes: 1024 ** 3,
      requestTimeoutMs: 90_000,
      networkTimeoutMs: 90_000,
    });
  });

  it('refuses a malformed size with the key named', () => {
    expect(() => rpcSettings(new SparkConf({ 'spark.rpc.message.maxSize': 'lots' }))).toThrow(
      /spark\.rpc\.message\.maxSize/,
    );
  });
});
