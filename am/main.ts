import { readFileSync } from 'node:fs';
import { applySparkHadoopOverrides, loadHadoopConf } from '../src/conf/hadoop-conf.js';
import { readSparkPropertiesFile } from '../src/conf/properties.js';
import { Config } from '../src/conf/registry.js';
import { SparkConf } from '../src/conf/spark-conf.js';
import { resolveHadoopFileSystemConf } from '../src/core/io/hadoop-file-systems.js';
import { runApplication } from '../src/deploy/run-application.js';
import { isTsparkError } from '../src/errors.js';
import { parseTokenStorage, requireAmRmToken } from '../src/hadoop/security/credentials.js';
import { createRootLogger } from '../src/log.js';
import { readAmEnvironment } from '../src/yarn/am/am-environment.js';
import { startApplicationMaster } from '../src/yarn/am/bootstrap.js';
import { AmExitCode } from '../src/yarn/am/exit-codes.js';
import { applicationSecretFromCredentials, yarnDriverBackend } from '../src/yarn/am/driver-backend.js';
import { LOCAL_RESOURCES_ENV } from '../src/yarn/am/executor-resources.js';
import { YarnExecutorLauncher } from '../src/yarn/am/yarn-executor-launcher.js';
import { ContainerLayout } from '../src/yarn/launch-context.js';
import { formatApplicationId } from '../src/hadoop/ipc/protocols/yarn-ids.js';
import {
  clientModeFirstExecutorId,
  driverAddressFromConf,
  runDriverLink,
} from '../src/yarn/am/driver-link.js';
import { parseAmArguments } from './args.js';

/**
 * Entry of the ApplicationMaster container:
 *   node node_modules/tspark/dist/am/main.js --deploy-mode cluster
 *     --properties-file __spark_conf__/__spark_conf__.properties --app __app__.mjs --class <export> -- <args>
 * Reads the environment, configuration and credentials, then hands over to
 * src/yarn/am (bootstrap.ts). In client mode (`--deploy-mode client`) the
 * driver runs in tspark-submit and this AM only launches its executors
 * (src/yarn/am/driver-link.ts). In cluster mode the driver — the user's main —
 * runs in this process and its tasks run on the executor containers the AM
 * allocates (src/yarn/am/driver-backend.ts); with spark.tspark.yarn.executorCommand
 * set, containers run that command instead and tasks run here on the local
 * backend (docs/yarn-am.md).
 */
const logger = createRootLogger({ name: 'am' });

async function main(): Promise<number> {
  const args = parseAmArguments(process.argv.slice(2));
  const env = readAmEnvironment(process.env, LOCAL_RESOURCES_ENV);
  const conf = new SparkConf(readSparkPropertiesFile(args.propertiesFile));
  const hadoopConf = applySparkHadoopOverrides(
    loadHadoopConf([ContainerLayout.HADOOP_CONF_DIR], { env: process.env }),
    conf.entries(),
  );
  // The driver's hdfs: (and bare paths) from the shipped __hadoop_conf__; executors get these keys with the app conf.
  resolveHadoopFileSystemConf(conf, { hadoopConf, user: env.user });
  const credentials = parseTokenStorage(readFileSync(env.tokenFile), env.tokenFile);
  const amRmToken = requireAmRmToken(credentials, env.tokenFile);
  const driverCores = conf.require(Config.DRIVER_CORES);

  const commandOverride = conf.getEntry(Config.YARN_EXECUTOR_COMMAND);
  // client mode always launches through the driver link (the override only changes the command)
  const useExecutors =
    args.deployMode === 'client' || commandOverride === undefined || commandOverride.trim() === '';
  const executorLauncher = useExecutors
    ? new YarnExecutorLauncher(logger.child({ component: 'YarnExecutorLauncher' }))
    : undefined;

  const runDriver = async () => {
    if (args.deployMode === 'client') {
      // the driver runs in tspark-submit: link to it and launch its executors (Spark's ExecutorLauncher)
      return runDriverLink({
        driver: driverAddressFromConf(conf),
        secret: applicationSecretFromCredentials(credentials, env.tokenFile),
        appId: formatApplicationId(env.containerId.applicationAttemptId.applicationId),
        attemptId: env.containerId.applicationAttemptId.attemptId,
        amHost: env.nmHost,
        executors: executorLauncher!,
        waitTimeMs: conf.require(Config.YARN_AM_WAIT_TIME),
        logger,
      });
    }
    const plan = {
      entry: args.app,
      mainExport: args.mainExport,
      appArgs: args.appArgs,
      prebundled: true,
      // executors import the bundle localized in their own container, not the AM's copy
      executorModuleUrl: ContainerLayout.APP_BUNDLE,
    };
    if (!executorLauncher) {
      const driverConf = conf.clone().set(Config.MASTER.key, `local[${driverCores}]`);
      await runApplication({ ...plan, conf: driverConf }, logger);
      return;
    }
    const launcher = executorLauncher;
    const secret = applicationSecretFromCredentials(credentials, env.tokenFile);
    const driverConf = conf.clone().set(Config.MASTER.key, 'yarn');
    try {
      await runApplication(
        {
          ...plan,
          conf: driverConf,
          backendFactory: (_master, c) =>
            yarnDriverBackend({ conf: c, secret, amHost: env.nmHost, launcher, logger }),
        },
        logger,
      );
    } finally {
      launcher.abandon('the driver finished before its endpoint started');
    }
  };

  const running = await startApplicationMaster({
    env,
    conf,
    hadoopConf,
    credentials,
    amRmToken,
    runDriver,
    ...(executorLauncher ? { executorLauncher } : {}),
    // client mode: the driver refuses executor ids a previous attempt used
    ...(args.deployMode === 'client'
      ? { firstExecutorId: clientModeFirstExecutorId(env.containerId.applicationAttemptId.attemptId) }
      : {}),
    logger,
  });
  // An error thrown outside any awaited call (a timer callback in user code) must still end the
  // application FAILED with its message, not kill the AM before it unregisters.
  const failUncaught = (e: unknown) => {
    logger.error(
      { err: e instanceof Error ? e.message : String(e) },
      'Uncaught error in the ApplicationMaster',
    );
    running.am.finish(
      'FAILED',
      AmExitCode.UNCAUGHT_EXCEPTION,
      `Uncaught error: ${e instanceof Error ? e.message : String(e)}`,
    );
  };
  process.on('uncaughtException', failUncaught);
  process.on('unhandledRejection', failUncaught);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () =>
      running.am.finish(
        'KILLED',
        AmExitCode.SIGNAL,
        `ApplicationMaster received ${signal} (the application was killed, or its NodeManager stopped)`,
      ),
    );
  }
  return running.exitCode;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = isTsparkError(e) ? e.message : String((e as Error)?.stack ?? e);
    logger.error(
      { err: isTsparkError(e) ? { code: e.code, message: e.message } : message },
      'ApplicationMaster failed before it could register',
    );
    process.stderr.write(`Error: ${message}\n`);
    process.exit(isTsparkError(e) ? AmExitCode.REGISTRATION_FAILED : AmExitCode.UNCAUGHT_EXCEPTION);
  },
);
