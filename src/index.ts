// Public API of the tspark package. Engine exports are added as they land.
export { SparkConf } from './conf/spark-conf.js';
export { Config } from './conf/registry.js';
export { TsparkError, ExitCode } from './errors.js';
