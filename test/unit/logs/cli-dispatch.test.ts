// `tspark logs ...` reaches our handler with the arguments as typed (yarn logs'
// single-dash options included), through the CLI's dispatch table.
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { HANDLERS, type CommandRequest } from '../../../src/cli/handlers.js';
import { runTspark } from '../../../src/cli/main.js';
import { silentLogger } from '../../../src/log.js';
import { parseLogsArgs } from '../../../src/logs/options.js';

function io(): CliIo {
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    env: {},
    cwd: '/',
    cores: 2,
    osUser: 'u',
    nodeVersion: 'v20',
    packageVersion: '0',
    createLogger: () => silentLogger(),
  };
}

describe('tspark logs dispatch', () => {
  it('names our module and export', () => {
    expect(HANDLERS.logs).toMatchObject({ module: '../logs/logs-command.js', exportName: 'logsCommand' });
  });

  it.each([
    [['application_1700000000000_0001', '-log_files', 'stderr', '-size', '-200']],
    [['-applicationId', 'application_1700000000000_0001', '-am', '-1', '--follow']],
    [['--containerId', 'container_1700000000000_0001_01_000002', '-show_container_log_info']],
  ])('passes %j through unchanged', async (argv) => {
    const seen: string[][] = [];
    const code = await runTspark(['logs', ...argv], {
      io: io(),
      loadHandler: async () => async (request: CommandRequest) => {
        seen.push(request.args);
        return 0;
      },
    });
    expect(code).toBe(0);
    expect(seen).toEqual([argv]);
    expect(() => parseLogsArgs(seen[0]!)).not.toThrow();
  });
});
