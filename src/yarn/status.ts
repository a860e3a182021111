import type { SubmitPlan } from '../deploy/submit-plan.js';
import type { Logger } from '../log.js';
import { reportDetails } from './app-monitor.js';
import { requireHadoopConf, rmClient } from './cluster-clients.js';

/** `tspark-submit --status <appId>` / `tspark status`: prints the RM's report. */
export async function yarnApplicationStatus(plan: SubmitPlan, logger: Logger): Promise<number> {
  const appId = plan.appId!;
  const rm = rmClient(requireHadoopConf(plan.hadoopConf), plan.user, logger);
  const app = await rm.getApplication(appId);
  const lines = [
    `Application report for ${app.id}`,
    `\t name: ${app.name}`,
    `\t type: ${app.applicationType}`,
    `\t state: ${app.state}`,
    `\t progress: ${Math.round(app.progress)}%`,
    ...reportDetails(app),
    `\t finish time: ${app.finishedTime ? new Date(app.finishedTime).toISOString() : 'N/A'}`,
    `\t log aggregation: ${app.logAggregationStatus ?? 'N/A'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
