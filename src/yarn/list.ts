import os from 'node:os';
import { hadoopConfDirs, loadHadoopConf } from '../conf/hadoop-conf.js';
import type { CommandRequest } from '../cli/handlers.js';
import type { Logger } from '../log.js';
import { rmClient } from './cluster-clients.js';
import type { YarnApplicationState } from './rest/types.js';

const ACTIVE_STATES: YarnApplicationState[] = ['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING'];

/**
 * `tspark list`: the tspark applications the RM knows, like
 * `yarn application -list -appTypes TSPARK` (active ones unless --all).
 */
export async function listYarnApplications(request: CommandRequest, logger: Logger): Promise<number> {
  const env = request.io.env;
  const user = env.HADOOP_USER_NAME || os.userInfo().username;
  const hadoopConf = loadHadoopConf(hadoopConfDirs(env), { env, system: { 'user.name': user } });
  const rm = rmClient(hadoopConf, user, logger);
  const all = request.options.all === true;
  const apps = await rm.listApplications({
    applicationTypes: ['TSPARK'],
    ...(all ? {} : { states: ACTIVE_STATES }),
  });
  const rows = apps
    .sort((a, b) => a.startedTime - b.startedTime)
    .map((a) => [a.id, a.name, a.user, a.queue, a.state, a.finalStatus, `${Math.round(a.progress)}%`, a.trackingUrl ?? 'N/A']);
  request.io.stdout(`Total number of applications: ${rows.length}\n`);
  const header = ['Application-Id', 'Application-Name', 'User', 'Queue', 'State', 'Final-State', 'Progress', 'Tracking-URL'];
  for (const row of [header, ...rows]) request.io.stdout(`${row.join('\t')}\n`);
  return 0;
}
