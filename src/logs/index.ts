// What other parts of tspark use from src/logs.
export { runLogsCommand, executeLogsCommand, logsCommand, type LogsIo } from './logs-command.js';
export { clusterLogsDeps, clusterLogsDepsFromEnv } from './cluster-deps.js';
export { fetchContainerLogTail, type ContainerLogTailRequest } from './container-log-tail.js';
export type { LogsDeps } from './deps.js';
export { AggregatedLogReader } from './aggregated/aggregated-log-reader.js';
export { LocalFileSource, type RandomAccessSource } from './tfile/random-access.js';
