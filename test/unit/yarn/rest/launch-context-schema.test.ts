import { describe, expect, it } from 'vitest';
import { amContainerSpec, nodeCommand } from '../../../../src/yarn/launch-context.js';
import type {
  ApplicationSubmissionContext,
  ContainerLaunchContextInfo,
} from '../../../../src/yarn/rest/types.js';
import { submissionProblems } from './submission-schema.js';

// The AM launch context the submission path builds (src/yarn/launch-context.ts)
// must be a body the RM's documented schema accepts, and must fit the REST
// client's request type.
describe('the AM launch context as a POST /apps body', () => {
  it('matches the documented schema', () => {
    const spec: ContainerLaunchContextInfo = amContainerSpec({
      localResources: {
        '__app__.mjs': {
          resource: 'hdfs://127.0.0.1:9000/user/a/.sparkStaging/application_1_0001/__app__.mjs',
          type: 'FILE',
          visibility: 'PRIVATE',
          size: 10,
          timestamp: 1795413792062,
        },
        __spark_conf__: {
          resource: 'hdfs://127.0.0.1:9000/user/a/.sparkStaging/application_1_0001/__spark_conf__.tgz',
          type: 'ARCHIVE',
          visibility: 'PRIVATE',
          size: 20,
          timestamp: 1795413792063,
        },
      },
      environment: { SPARK_USER: 'a' },
      command: nodeCommand({
        nodeBinary: 'node',
        heapMiB: 1024,
        script: 'node_modules/tspark/dist/am/main.js',
        args: ['--class', 'main'],
      }),
      secret: Buffer.from('0123456789abcdef'),
      viewAcl: 'a',
      modifyAcl: 'a',
    });
    const body: ApplicationSubmissionContext = {
      'application-id': 'application_1_0001',
      'application-name': 'wordcount',
      queue: 'default',
      'am-container-spec': spec,
      'unmanaged-AM': false,
      'max-app-attempts': 2,
      resource: { memory: 1408, vCores: 1 },
      'application-type': 'TSPARK',
      'application-tags': { tag: [] },
    };
    expect(submissionProblems(JSON.parse(JSON.stringify(body)))).toEqual([]);
  });
});
