import type { SubmitPlan } from '../deploy/submit-plan.js';
import { ExitCode, TsparkError } from '../errors.js';
import type { Logger } from '../log.js';
import { requireHadoopConf, rmClient } from './cluster-clients.js';

/** `tspark-submit --kill <appId>` / `tspark kill`: asks the RM to kill, waits until it is KILLED. */
export async function killYarnApplication(plan: SubmitPlan, logger: Logger): Promise<number> {
  const appId = plan.appId!;
  const rm = rmClient(requireHadoopConf(plan.hadoopConf), plan.user, logger);
  const before = await rm.getApplication(appId);
  if (['FINISHED', 'FAILED', 'KILLED'].includes(before.state)) {
    throw new TsparkError(
      'APP_ALREADY_ENDED',
      `application ${appId} already ended (state ${before.state}, final status ${before.finalStatus}): nothing to kill`,
      { exitCode: ExitCode.USAGE, context: { appId } },
    );
  }
  process.stderr.write(`Killing application ${appId}\n`);
  const state = await rm.killApplication(appId, `Killed by ${plan.user} with tspark-submit --kill`);
  process.stdout.write(`Application ${appId} is ${state}\n`);
  return state === 'KILLED' ? 0 : ExitCode.REMOTE;
}
