// Entry point of `tspark-submit` (bin/tspark-submit.js imports this module).
import { runTsparkSubmit } from './main.js';
import { processIo } from './process-io.js';

process.exitCode = await runTsparkSubmit(process.argv.slice(2), { io: processIo() });
