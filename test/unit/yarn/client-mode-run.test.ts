import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import type { SubmitPlan } from '../../../src/deploy/submit-plan.js';
import { silentLogger } from '../../../src/log.js';
import type { YarnClients } from '../../../src/yarn/cluster-clients.js';
import { INTERRUPTED_EXIT_CODE, startClientMode } from '../../../src/yarn/client-mode/run-client-mode.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * The yarn-client run up to the submission, with fake RM and HDFS clients
 * (the rest needs a cluster: test/integration/yarn/client-mode.test.ts).
 */

const dir = tempDir('tspark-client-run-');
const entry = path.join(dir, 'app.mjs');
writeFileSync(entry, 'export default async function main(sc) { await sc.parallelize([1, 2], 2).count(); }\n');

function plan(): SubmitPlan {
  return {
    action: 'submit',
    mode: 'yarn-client',
    master: 'yarn',
    deployMode: 'client',
    entry,
    mainExport: 'default',
    appArgs: [],
    conf: new SparkConf({
      'spark.master': 'yarn',
      'spark.app.name': 'client-run-test',
      'spark.executor.instances': '2',
      'spark.driver.host': '127.0.0.1',
      'spark.local.dir': dir,
    }),
    files: [],
    archives: [],
    verbose: false,
    warnings: [],
    user: 'alice',
  };
}

function fakeClients(options: { mkdirsError?: Error } = {}) {
  const calls: string[] = [];
  const clients = {
    user: 'alice',
    defaultFs: 'hdfs://nn:8020',
    stagingBase: '/user/alice',
    rm: {
      newApplication: async () => ({
        'application-id': 'application_1_0007',
        'maximum-resource-capability': { memory: 8192, vCores: 4 },
      }),
      scheduler: async () => ({ type: 'fifoScheduler' }),
      submitApplication: async () => void calls.push('submit'),
      getApplication: async () => ({ id: 'application_1_0007', state: 'KILLED', finalStatus: 'KILLED' }),
      killApplication: async () => {
        calls.push('kill');
        return 'KILLED';
      },
    },
    hdfs: {
      exists: async () => false,
      mkdirs: async () => {
        calls.push('mkdirs');
        if (options.mkdirsError) throw options.mkdirsError;
      },
      setPermission: async () => {},
      delete: async (p: string) => {
        calls.push(`delete ${p}`);
        return true;
      },
    },
  };
  return { clients: clients as unknown as YarnClients, calls };
}

const deps = (clients: YarnClients, lines: string[]) => ({
  clients,
  logger: silentLogger(),
  print: (l: string) => void lines.push(l),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 10))),
  now: () => Date.now(),
});

describe('yarn-client run', () => {
  it('Ctrl-C before the submission: nothing is submitted or killed, the staging directory is removed, exit 130', async () => {
    const { clients, calls } = fakeClients();
    const lines: string[] = [];
    const run = startClientMode(plan(), deps(clients, lines));
    run.interrupt('SIGINT');
    await expect(run.done).resolves.toBe(INTERRUPTED_EXIT_CODE);
    expect(calls).not.toContain('submit');
    expect(calls).not.toContain('kill');
    expect(calls).toContain('delete /user/alice/.sparkStaging/application_1_0007');
    expect(lines).toContain(
      'Interrupted (SIGINT): killing application application_1_0007 and stopping the driver',
    );
  }, 60_000);

  it('a staging failure is reported as itself, nothing is submitted, and the staging directory is removed', async () => {
    const { clients, calls } = fakeClients({ mkdirsError: new Error('Permission denied: user=alice') });
    const run = startClientMode(plan(), deps(clients, []));
    await expect(run.done).rejects.toThrow('Permission denied: user=alice');
    expect(calls).not.toContain('submit');
    expect(calls.at(-1)).toBe('delete /user/alice/.sparkStaging/application_1_0007');
  }, 60_000);
});
