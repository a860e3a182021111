import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ConfigError, ExitCode } from '../errors.js';

/**
 * One Hadoop configuration resource (core-site.xml, hdfs-site.xml,
 * yarn-site.xml): a `<configuration>` root holding `<property>` elements with
 * `<name>`, `<value>` and optional `<final>true</final>`. Hadoop 3 also
 * accepts the same three as attributes of `<property>`; both forms are read.
 * Only parsing lives here; precedence, `final` and `${var}` substitution are
 * in hadoop-conf.ts.
 */
export interface HadoopProperty {
  readonly name: string;
  readonly value: string;
  readonly final: boolean;
}

export interface HadoopResource {
  /** Where the properties came from (a file path, or a description). */
  readonly source: string;
  readonly properties: readonly HadoopProperty[];
  /** Things the user should know but that do not stop us (ignored elements). */
  readonly warnings: readonly string[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Numeric character references (&#13;) are decoded, as by Java's XML parser.
  htmlEntities: true,
  isArray: (name) => name === 'property',
});

function malformed(source: string, line: number | undefined, detail: string): ConfigError {
  const where = line === undefined ? source : `${source}:${line}`;
  return new ConfigError(
    'HADOOP_CONF_MALFORMED',
    `${where}: malformed Hadoop configuration XML (${detail}): fix the file or point HADOOP_CONF_DIR at a valid copy`,
    {
      exitCode: ExitCode.HADOOP_CONF_MALFORMED,
      context: { path: source, ...(line === undefined ? {} : { line }) },
    },
  );
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && '#text' in (v as Record<string, unknown>))
    return text((v as Record<string, unknown>)['#text']);
  if (typeof v === 'object') return '';
  return undefined;
}

/** Parses the text of a site file. Throws ConfigError(HADOOP_CONF_MALFORMED) naming file and line. */
export function parseHadoopXml(xml: string, source: string): HadoopResource {
  if (xml.trim() === '') throw malformed(source, undefined, 'the file is empty');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw malformed(source, valid.err.line, valid.err.msg);
  const doc = parser.parse(xml) as Record<string, unknown>;
  const rootNames = Object.keys(doc).filter((k) => k !== '#text');
  if (rootNames.length !== 1 || rootNames[0] !== 'configuration') {
    throw malformed(
      source,
      undefined,
      `the root element is <${rootNames[0] ?? ''}>, expected <configuration>`,
    );
  }
  const root = doc.configuration;
  const warnings: string[] = [];
  const properties: HadoopProperty[] = [];
  if (root === null || typeof root !== 'object') return { source, properties, warnings };
  const rootObj = root as Record<string, unknown>;
  for (const key of Object.keys(rootObj)) {
    if (key !== 'property' && key !== '#text' && !key.startsWith('@_')) {
      // XInclude and friends: Hadoop resolves them, we do not (yet).
      warnings.push(
        `${source}: <${key}> elements are not supported and were ignored; inline their properties instead`,
      );
    }
  }
  const list = (rootObj.property ?? []) as unknown[];
  for (const item of list) {
    if (item === null || typeof item !== 'object') {
      warnings.push(`${source}: a <property> without <name> was ignored`);
      continue;
    }
    const p = item as Record<string, unknown>;
    const name = (text(p.name) ?? text(p['@_name']))?.trim();
    if (!name) {
      warnings.push(`${source}: a <property> without <name> was ignored`);
      continue;
    }
    const value = text(p.value) ?? text(p['@_value']);
    if (value === undefined) {
      // Hadoop skips a property without a value element (it does not unset anything).
      continue;
    }
    const finalText = (text(p.final) ?? text(p['@_final']) ?? 'false').trim();
    properties.push({ name, value, final: finalText === 'true' });
  }
  return { source, properties, warnings };
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped (Hadoop's writer would fail on them).
  const legal = s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
  // A literal CR would be normalised to LF by any XML reader; a reference survives.
  return legal.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!).replace(/\r/g, '&#13;');
}

/**
 * Writes properties as a Hadoop configuration file (for
 * `__spark_hadoop_conf__.xml` in the staged `__spark_conf__`), sorted by
 * name, readable by Hadoop's Configuration and by parseHadoopXml.
 */
export function formatHadoopXml(properties: Iterable<readonly [string, string]>): string {
  const sorted = [...properties].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>', '<configuration>'];
  for (const [name, value] of sorted) {
    lines.push(`<property><name>${escapeXml(name)}</name><value>${escapeXml(value)}</value></property>`);
  }
  lines.push('</configuration>', '');
  return lines.join('\n');
}
