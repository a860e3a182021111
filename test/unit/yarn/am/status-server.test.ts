import { describe, expect, it } from 'vitest';
import { renderStatusHtml, startStatusServer, type AmStatus } from '../../../../src/yarn/am/status-server.js';

const status: AmStatus = {
  appId: 'application_1_0001',
  attemptId: 'appattempt_1_0001_000001',
  state: 'RUNNING',
  executors: [
    { executorId: '1', containerId: 'container_1_0001_01_000002', node: 'nm-a:45454', state: '<RUNNING>' },
  ],
  targetExecutors: 2,
  pendingContainers: 1,
  executorFailures: 0,
};

describe('AM status page', () => {
  it('renders ids, counts and executors, escaping what it prints', () => {
    const html = renderStatusHtml(status);
    expect(html).toContain(
      'Application application_1_0001, attempt appattempt_1_0001_000001: <b>RUNNING</b>',
    );
    expect(html).toContain('Executors: 1 of 2 target, 1 containers pending, 0 failures');
    expect(html).toContain('<td>&#60;RUNNING&#62;</td>');
  });

  it('serves HTML at / and JSON at /json (through the RM proxy path too)', async () => {
    const server = await startStatusServer('127.0.0.1', () => status);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const html = await (await fetch(server.url)).text();
      expect(html).toContain('tspark ApplicationMaster');
      const json = (await (await fetch(`${server.url}proxy/application_1_0001/json`)).json()) as AmStatus;
      expect(json).toEqual(status);
    } finally {
      await server.close();
    }
  });
});
