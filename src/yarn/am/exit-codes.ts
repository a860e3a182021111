/**
 * Process exit codes of the ApplicationMaster, with Spark's values
 * (ApplicationMaster.scala) so operators reading a YARN diagnostic
 * ("exitCode: 11") can look them up in the same table.
 */
export const AmExitCode = {
  SUCCESS: 0,
  /** An error the AM did not expect (a bug, or a remote failure it could not handle). */
  UNCAUGHT_EXCEPTION: 10,
  /** Too many executors failed (spark.yarn.max.executor.failures). */
  MAX_EXECUTOR_FAILURES: 11,
  /** The allocate heartbeat to the ResourceManager failed for good. */
  REPORTER_FAILURE: 12,
  /** yarn-client: the driver could not be reached within spark.yarn.am.waitTime (Spark's EXIT_SC_NOT_INITED). */
  DRIVER_UNREACHABLE: 13,
  /** The user's main threw (yarn-client: the driver reported FAILED). */
  EXCEPTION_USER_CLASS: 15,
  /** The ResourceManager told the AM to shut down (attempt unknown or killed). */
  EARLY: 16,
  /** The AM could not register (unreachable scheduler address, rejected token). */
  REGISTRATION_FAILED: 17,
  /** yarn-client: the driver disconnected without reporting how the application ended (tspark's). */
  DRIVER_DISCONNECTED: 18,
  /** The AM was stopped by a signal (SIGTERM from the NodeManager). */
  SIGNAL: 143,
} as const;
export type AmExitCodeValue = (typeof AmExitCode)[keyof typeof AmExitCode];
