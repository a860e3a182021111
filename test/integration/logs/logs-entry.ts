// `tspark logs` as a process of its own, for the integration tests: bundled by
// esbuild at test time, run with HADOOP_CONF_DIR of the test cluster. Its last
// stderr line reports the peak RSS and, when run with --expose-gc, the largest
// live memory (V8 heap + Buffers) seen right after a forced collection: RSS
// alone also counts garbage that V8 has not collected yet.
import { clusterLogsDepsFromEnv } from '../../../src/logs/cluster-deps.js';
import { runLogsCommand } from '../../../src/logs/logs-command.js';

const gc = (globalThis as { gc?: () => void }).gc;
let maxLiveBytes = 0;
const sample = (): void => {
  gc?.();
  const m = process.memoryUsage();
  maxLiveBytes = Math.max(maxLiveBytes, m.heapUsed + m.arrayBuffers);
};
const sampler = gc ? setInterval(sample, 100) : undefined;
const code = await runLogsCommand(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  clusterLogsDepsFromEnv(process.env),
);
if (sampler) clearInterval(sampler);
sample();
process.stderr.write(`\n${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, maxLiveBytes })}\n`);
process.exitCode = code;
