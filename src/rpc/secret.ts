import { ConfigError } from '../errors.js';

/** The application secret as the bytes both proofs are keyed with (a string is taken as UTF-8). */
export function secretBytes(secret: string | Uint8Array): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length === 0) {
    throw new ConfigError(
      'RPC_NO_SECRET',
      'the application secret is empty: tspark generates one per application (spark.authenticate.secret); ' +
        'start this process through tspark-submit or the ApplicationMaster, which hand it over',
    );
  }
  return bytes;
}
