// Writes docs/configuration.md from the configuration registry.
// Run with `npm run docs:config`; test/unit/conf/config-docs.test.ts checks it is current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigurationMarkdown } from '../src/conf/config-docs.js';

// npm runs scripts from the package root.
const target = join(process.cwd(), 'docs', 'configuration.md');
writeFileSync(target, renderConfigurationMarkdown());
console.log(`wrote ${target}`);
