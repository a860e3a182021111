import { readFile as fsReadFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { parseTokenStorage } from '../hadoop/security/credentials.js';
import { APP_SECRET_ALIAS } from '../yarn/launch-context.js';

/**
 * Where an executor finds the application secret, never on its command line:
 *
 * - on YARN, in the container's credentials (the token storage file named by
 *   HADOOP_TOKEN_FILE_LOCATION), under APP_SECRET_ALIAS. The submission sends
 *   it base64-encoded in the REST launch context; the ResourceManager decodes
 *   it, so the file holds the raw secret bytes.
 * - otherwise (the local-cluster launcher), base64 in SECRET_ENV, which is
 *   removed from the environment once read so child processes do not inherit it.
 */
export const SECRET_ENV = 'TSPARK_AUTH_SECRET';

export async function readApplicationSecret(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => Promise<Uint8Array> = fsReadFile,
): Promise<Buffer> {
  const tokenFile = env.HADOOP_TOKEN_FILE_LOCATION;
  if (tokenFile) {
    const credentials = parseTokenStorage(await readFile(tokenFile), tokenFile);
    const entry = credentials.secretKeys.find((k) => k.alias === APP_SECRET_ALIAS);
    if (entry && entry.value.length > 0) return Buffer.from(entry.value);
  }
  const fromEnv = env[SECRET_ENV];
  delete env[SECRET_ENV];
  if (fromEnv) return Buffer.from(fromEnv, 'base64');
  throw new ConfigError(
    'EXECUTOR_NO_SECRET',
    `executor: no application secret: expected "${APP_SECRET_ALIAS}" in the container credentials ` +
      `(HADOOP_TOKEN_FILE_LOCATION) or ${SECRET_ENV}; executors are started by the ApplicationMaster or the ` +
      'local-cluster launcher, which provide it',
  );
}
