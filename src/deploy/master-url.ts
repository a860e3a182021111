import { ExitCode, UsageError } from '../errors.js';

// The parser lives with the engine; the planner adds the legacy YARN spellings.
export { parseMasterUrl, type MasterUrl } from '../core/master-url.js';

/**
 * Maps the deprecated `yarn-cluster` / `yarn-client` masters to `yarn` plus a
 * deploy mode, as spark-submit 2.x did, rejecting a contradicting
 * --deploy-mode. Returns undefined for any other master.
 */
export function legacyYarnMaster(
  master: string,
  deployMode: string | undefined,
): { master: 'yarn'; deployMode: 'cluster' | 'client'; warning: string } | undefined {
  const m = master.trim();
  if (m !== 'yarn-cluster' && m !== 'yarn-client') return undefined;
  const implied = m === 'yarn-cluster' ? 'cluster' : 'client';
  if (deployMode !== undefined && deployMode !== implied) {
    throw new UsageError(
      'DEPLOY_MODE_CONFLICT',
      `deploy mode '${deployMode}' contradicts master '${m}': use --master yarn --deploy-mode ${deployMode}`,
      { exitCode: ExitCode.DEPLOY_MODE_CONFLICT, context: { master: m, deployMode } },
    );
  }
  return {
    master: 'yarn',
    deployMode: implied,
    warning: `master '${m}' is deprecated: use --master yarn --deploy-mode ${implied}`,
  };
}
