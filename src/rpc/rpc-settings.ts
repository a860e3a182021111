import { Config } from '../conf/registry.js';
import type { SparkConf } from '../conf/spark-conf.js';

/**
 * The transport's tunables as Spark names them, read once from the
 * configuration by whoever builds a server or client (driver endpoint,
 * executor, block server) and passed down as options.
 */
export interface RpcSettings {
  /** spark.rpc.message.maxSize. */
  maxFrameBytes: number;
  /** spark.rpc.askTimeout, else spark.network.timeout. */
  requestTimeoutMs: number;
  /** spark.network.timeout: how long a silent peer is given before it is considered gone. */
  networkTimeoutMs: number;
}

export function rpcSettings(conf: SparkConf): RpcSettings {
  const networkTimeoutMs = conf.require(Config.NETWORK_TIMEOUT);
  return {
    maxFrameBytes: conf.require(Config.RPC_MESSAGE_MAX_SIZE),
    requestTimeoutMs: conf.getEntry(Config.RPC_ASK_TIMEOUT) ?? networkTimeoutMs,
    networkTimeoutMs,
  };
}
