import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ipcSchemaJson } from '../../../../src/hadoop/ipc/proto/schema.generated.js';

const protoDir = fileURLToPath(new URL('../../../../src/hadoop/ipc/proto/', import.meta.url));

describe('generated protobuf schema module', () => {
  it('matches the .proto files (run scripts/ipc/generate-proto-module.mjs when this fails)', () => {
    const root = new protobuf.Root();
    for (const file of ['hadoop_common.proto', 'hadoop_yarn.proto']) {
      protobuf.parse(readFileSync(protoDir + file, 'utf8'), root, { keepCase: true });
    }
    root.resolveAll();
    expect(ipcSchemaJson).toEqual(root.toJSON());
  });
});
