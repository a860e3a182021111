import type { Logger } from '../log.js';

/**
 * Everything the CLI takes from its process, passed in so that the CLI runs
 * unchanged in unit tests: output streams, environment, working directory,
 * machine facts, and how to build a logger.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** os.availableParallelism(). */
  cores: number;
  /** The OS user (os.userInfo().username). */
  osUser: string;
  /** process.version, for --version. */
  nodeVersion: string;
  /** The package's version and conf/ directory. */
  packageVersion: string;
  packageConfDir?: string;
  /** `<package>/examples`, for `tspark run-example`. */
  examplesDir?: string;
  createLogger(name: string): Logger;
  /**
   * Runs this same command again in a process whose V8 heap is `heapMiB`
   * (spark.driver.memory for a driver in this process) and resolves with its
   * exit code. Absent where a relaunch is impossible (tests, embedding).
   */
  relaunchWithHeap?(heapMiB: number): Promise<number>;
}
