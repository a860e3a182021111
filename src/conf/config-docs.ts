import type { ConfigEntry, ConfigPrefix } from './config-entry.js';
import { ALL_ENTRIES, CONFIG_PREFIXES } from './registry.js';

/**
 * Renders docs/configuration.md from the registry. `npm run docs:config`
 * writes it; test/unit/conf/config-docs.test.ts fails when the file differs,
 * so the reference never drifts from the code.
 */

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigurationMarkdown(
  entries: readonly ConfigEntry<unknown>[] = ALL_ENTRIES,
  prefixes: readonly ConfigPrefix[] = CONFIG_PREFIXES,
): string {
  const categories: string[] = [];
  for (const c of [...entries.map((e) => e.category), ...prefixes.map((p) => p.category)]) {
    if (!categories.includes(c)) categories.push(c);
  }
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/conf/registry.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    "Keys keep Apache Spark's names and meanings. Set them with `--conf key=value`, in",
    '`conf/spark-defaults.conf` (or the file given to `--properties-file`), or through the',
    'spark-submit flag shown in parentheses; see [cli.md](cli.md) for precedence. Every key',
    'below is parsed once when the application is submitted, so a bad value fails before',
    'anything runs. Sizes take `k`, `m`, `g`, `t` suffixes (binary); durations take `ms`, `s`,',
    '`min`, `h`, `d`. Values of keys or values that look secret are printed as',
    '`*********(redacted)`.',
    '',
  ];
  for (const category of categories) {
    out.push(`## ${category}`, '', '| Key | Default | Type | Meaning |', '|---|---|---|---|');
    for (const e of entries.filter((x) => x.category === category)) {
      const def = e.defaultText === undefined ? '(none)' : `\`${e.defaultText}\``;
      out.push(`| \`${e.key}\` | ${cell(def)} | ${cell(e.typeName)} | ${cell(e.doc)} |`);
    }
    for (const p of prefixes.filter((x) => x.category === category)) {
      out.push(`| \`${p.prefix}${p.placeholder}\` | (none) | string | ${cell(p.doc)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
