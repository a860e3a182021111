import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ipcSchemaJson } from '../../../../src/hadoop/ipc/proto/schema.generated.js';

// hadoop-descriptors.tsv is dumped from the descriptors compiled into the
// Hadoop 3.4.3 jars (scripts/fixtures/ipc/HadoopIpcFixtures.java): one line
// per field or enum value. Every field and enum value we declare must match
// Hadoop's number, label, type and default.
const fixture = fileURLToPath(new URL('../../../fixtures/ipc/hadoop-descriptors.tsv', import.meta.url));

interface JavaField {
  number: number;
  label: string;
  type: string;
  def: string;
}

function loadJava(): Map<string, Map<string, JavaField>> {
  const byMessage = new Map<string, Map<string, JavaField>>();
  for (const line of readFileSync(fixture, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [message, field, number, label, type, def] = line.split('\t') as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!byMessage.has(message)) byMessage.set(message, new Map());
    byMessage.get(message)!.set(field, { number: Number(number), label, type, def: def ?? '' });
  }
  return byMessage;
}

const SCALARS = new Set([
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

describe('our .proto schema against the descriptors in Hadoop 3.4.3 jars', () => {
  const java = loadJava();
  const root = protobuf.Root.fromJSON(ipcSchemaJson);
  root.resolveAll();

  const types: protobuf.Type[] = [];
  const enums: protobuf.Enum[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) types.push(nested);
      if (nested instanceof protobuf.Enum) enums.push(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type)
        walk(nested as protobuf.NamespaceBase);
    }
  };
  walk(root);

  it('declares the messages the IPC layer needs', () => {
    expect(types.length).toBeGreaterThan(50);
    expect(java.size).toBeGreaterThan(100);
  });

  it('every message and field we declare exists in Hadoop with the same number, label, type and default', () => {
    const problems: string[] = [];
    for (const t of types) {
      const name = t.fullName.replace(/^\./, '');
      const fields = java.get(name);
      if (!fields) {
        problems.push(`${name}: not a Hadoop message`);
        continue;
      }
      for (const f of t.fieldsArray) {
        const j = fields.get(f.name);
        if (!j) {
          problems.push(`${name}.${f.name}: no such field in Hadoop`);
          continue;
        }
        const label = f.repeated ? 'repeated' : f.required ? 'required' : 'optional';
        const type = SCALARS.has(f.type) ? f.type : f.resolvedType!.fullName.replace(/^\./, '');
        if (j.number !== f.id) problems.push(`${name}.${f.name}: number ${f.id}, Hadoop ${j.number}`);
        if (j.label !== label) problems.push(`${name}.${f.name}: ${label}, Hadoop ${j.label}`);
        if (j.type !== type) problems.push(`${name}.${f.name}: type ${type}, Hadoop ${j.type}`);
        const ours = f.options?.default;
        if (ours !== undefined && String(ours) !== j.def) {
          problems.push(`${name}.${f.name}: default ${String(ours)}, Hadoop "${j.def}"`);
        }
        if (ours === undefined && j.def !== '' && f.resolvedType === null) {
          problems.push(`${name}.${f.name}: Hadoop has default "${j.def}", we declare none`);
        }
        if (ours === undefined && j.def !== '' && f.resolvedType instanceof protobuf.Enum) {
          problems.push(`${name}.${f.name}: Hadoop has default ${j.def}, we declare none`);
        }
      }
    }
    for (const e of enums) {
      const name = e.fullName.replace(/^\./, '');
      const values = java.get(name);
      if (!values) {
        problems.push(`${name}: not a Hadoop enum`);
        continue;
      }
      for (const [valueName, number] of Object.entries(e.values)) {
        const j = values.get(valueName);
        if (!j || j.number !== number)
          problems.push(`${name}.${valueName}: ${number}, Hadoop ${j?.number ?? 'missing'}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
