import { existsSync, readFileSync } from 'node:fs';
import { parseProperties } from '../src/conf/properties.js';
import { isTsparkError } from '../src/errors.js';
import { createRootLogger } from '../src/log.js';
import { parseAmArguments } from './args.js';

/**
 * Entry of the ApplicationMaster container (`node node_modules/tspark/dist/am/main.js …`).
 *
 * This build checks what the client localized and reports it; registering
 * with the ResourceManager over Hadoop IPC (the allocator, executor launch,
 * unregister) is the ApplicationMaster issue's work and is not in this build,
 * so the AM ends with a clear error instead of pretending to run the job.
 */
const logger = createRootLogger({ name: 'am' }, undefined);

function main(): number {
  const args = parseAmArguments(process.argv.slice(2));
  const env = process.env;
  const missing = [args.propertiesFile, args.app].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`localized files are missing from the container: ${missing.join(', ')}`);
  }
  const conf = parseProperties(readFileSync(args.propertiesFile, 'utf8'), args.propertiesFile);
  const runtimeVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  logger.info(
    {
      containerId: env.CONTAINER_ID,
      nodeManager: env.NM_HOST ? `${env.NM_HOST}:${env.NM_PORT}` : undefined,
      deployMode: args.deployMode,
      app: args.app,
      mainExport: args.mainExport,
      appArgs: args.appArgs.length,
      confEntries: conf.length,
      runtimeVersion,
      tokenFile: env.HADOOP_TOKEN_FILE_LOCATION !== undefined,
    },
    'ApplicationMaster started',
  );
  process.stderr.write(
    'Error: this tspark build has no ApplicationMaster protocol yet (registration with the ResourceManager over Hadoop IPC); ' +
      'the application cannot run on YARN with it. Use a build that includes the ApplicationMaster.\n',
  );
  return 1;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`Error: ${isTsparkError(e) ? e.message : String((e as Error).stack ?? e)}\n`);
  process.exitCode = 1;
}
