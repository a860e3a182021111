// Entry point of `tspark` (bin/tspark.js imports this module).
import { runTspark } from './main.js';
import { processIo } from './process-io.js';

process.exitCode = await runTspark(process.argv.slice(2), { io: processIo() });
