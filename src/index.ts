// Public API of the tspark package. Engine exports are added as they land.
export { SparkConf } from './conf/spark-conf.js';
export { Config } from './conf/registry.js';
export { TsparkError, ExitCode } from './errors.js';
// Engine (src/core): see docs/engine.md.
export { SparkContext, type SparkContextOptions } from './core/context.js';
export { RDD, StorageLevel } from './core/rdd/rdd.js';
export { Broadcast } from './core/broadcast.js';
export { Accumulator } from './core/accumulator.js';
export { HashPartitioner, RangePartitioner, type Partitioner } from './core/partitioner.js';
export { JobFailedError } from './core/scheduler/errors.js';
export { ClosureError, type Env } from './core/closure/shipped-function.js';
