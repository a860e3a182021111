import { TsparkError, ExitCode } from '../../errors.js';
import {
  CommonTypes,
  decodeMessage,
  encodeMessage,
  presentField,
  type DecodedMessage,
} from '../ipc/proto/messages.js';
import { readVarint32 } from '../ipc/codec/varint.js';
import { delimit } from '../ipc/codec/varint.js';
import { TokenKind, type HadoopToken } from './token.js';
import {
  ByteReader,
  readText,
  readVInt,
  readVIntPrefixedBytes,
  writeText,
  writeVIntPrefixedBytes,
  writeVLong,
} from './writable-utils.js';

/**
 * Hadoop token storage files ("HDTS"): the container_tokens file named by
 * HADOOP_TOKEN_FILE_LOCATION, and the `tokens` bytes of a launch context.
 *
 *   +------+------+---------------------------------------------+
 *   | HDTS | fmt  | body                                        |
 *   +------+------+---------------------------------------------+
 *    4 bytes 1 byte  0 WRITABLE: vint count, per token: Text alias,
 *                      bytes identifier, bytes password, Text kind,
 *                      Text service; vint count, per secret: Text
 *                      alias, bytes value  (bytes = vint length + data)
 *                    1 PROTOBUF: one delimited CredentialsProto
 *
 * Hadoop 3.x writes WRITABLE by default; both are read. Entries keep the
 * file's order (Java writes HashMap order, which means nothing).
 */

export interface Credentials {
  tokens: Array<{ alias: string; token: HadoopToken }>;
  secretKeys: Array<{ alias: string; value: Uint8Array }>;
}

export type TokenStorageFormat = 'WRITABLE' | 'PROTOBUF';

const MAGIC = Uint8Array.from([0x48, 0x44, 0x54, 0x53]); // "HDTS"
const FORMAT_BYTE: Record<TokenStorageFormat, number> = { WRITABLE: 0, PROTOBUF: 1 };

export class TokenFileError extends TsparkError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('TOKEN_FILE_INVALID', message, { exitCode: ExitCode.CONFIG, ...options });
  }
}

export function parseTokenStorage(bytes: Uint8Array, source = 'token file'): Credentials {
  if (bytes.length < 5 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new TokenFileError(
      `${source} is not a Hadoop token storage file (it does not start with "HDTS"); ` +
        'HADOOP_TOKEN_FILE_LOCATION must name the container_tokens file the NodeManager wrote',
    );
  }
  const format = bytes[4];
  try {
    if (format === 0) return parseWritable(bytes.subarray(5), source);
    if (format === 1) return parseProtobuf(bytes.subarray(5), source);
  } catch (e) {
    if (e instanceof TokenFileError) throw e;
    throw new TokenFileError(`${source} is truncated or corrupt: ${(e as Error).message}`, { cause: e });
  }
  throw new TokenFileError(
    `${source} has token storage format ${format}; tspark reads 0 (WRITABLE) and 1 (PROTOBUF)`,
  );
}

function parseWritable(body: Uint8Array, source: string): Credentials {
  const r = new ByteReader(body, source);
  const tokens: Credentials['tokens'] = [];
  const tokenCount = readVInt(r);
  for (let i = 0; i < tokenCount; i++) {
    const alias = readText(r);
    const identifier = readVIntPrefixedBytes(r);
    const password = readVIntPrefixedBytes(r);
    const kind = readText(r);
    const service = readText(r);
    tokens.push({ alias, token: { identifier, password, kind, service } });
  }
  const secretKeys: Credentials['secretKeys'] = [];
  const secretCount = readVInt(r);
  for (let i = 0; i < secretCount; i++) {
    const alias = readText(r);
    secretKeys.push({ alias, value: readVIntPrefixedBytes(r) });
  }
  if (r.remaining !== 0)
    throw new TokenFileError(`${source} has ${r.remaining} unexpected bytes after its secret keys`);
  return { tokens, secretKeys };
}

function parseProtobuf(body: Uint8Array, source: string): Credentials {
  const len = readVarint32(body, 0);
  if (!len || len.next + len.value > body.length)
    throw new TokenFileError(`${source}: truncated CredentialsProto`);
  const m = decodeMessage(CommonTypes.CredentialsProto, body.subarray(len.next, len.next + len.value));
  const tokens = ((m.tokens as DecodedMessage[] | undefined) ?? []).map((kv) => {
    const t = presentField<DecodedMessage>(kv, 'token');
    if (!t) throw new TokenFileError(`${source}: token entry "${String(kv.alias)}" has no token`);
    return {
      alias: kv.alias as string,
      token: {
        identifier: t.identifier as Uint8Array,
        password: t.password as Uint8Array,
        kind: t.kind as string,
        service: t.service as string,
      },
    };
  });
  const secretKeys = ((m.secrets as DecodedMessage[] | undefined) ?? []).map((kv) => ({
    alias: kv.alias as string,
    value: (kv.secret as Uint8Array | undefined) ?? new Uint8Array(0),
  }));
  return { tokens, secretKeys };
}

/** Writes a token storage file; WRITABLE is what Hadoop 3 writes by default. */
export function writeTokenStorage(
  credentials: Credentials,
  format: TokenStorageFormat = 'WRITABLE',
): Uint8Array {
  const parts: Uint8Array[] = [MAGIC, Uint8Array.of(FORMAT_BYTE[format])];
  if (format === 'WRITABLE') {
    parts.push(writeVLong(credentials.tokens.length));
    for (const { alias, token } of credentials.tokens) {
      parts.push(
        writeText(alias),
        writeVIntPrefixedBytes(token.identifier),
        writeVIntPrefixedBytes(token.password),
        writeText(token.kind),
        writeText(token.service),
      );
    }
    parts.push(writeVLong(credentials.secretKeys.length));
    for (const { alias, value } of credentials.secretKeys)
      parts.push(writeText(alias), writeVIntPrefixedBytes(value));
  } else {
    const message = {
      tokens: credentials.tokens.map(({ alias, token }) => ({
        alias,
        token: {
          identifier: token.identifier,
          password: token.password,
          kind: token.kind,
          service: token.service,
        },
      })),
      secrets: credentials.secretKeys.map(({ alias, value }) => ({ alias, secret: value })),
    };
    parts.push(delimit(encodeMessage(CommonTypes.CredentialsProto, message)));
  }
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first token of a kind (select by kind: an AMRMToken's alias and service are empty). */
export function findToken(credentials: Credentials, kind: string): HadoopToken | undefined {
  return credentials.tokens.find((t) => t.token.kind === kind)?.token;
}

/** The AMRMToken, or an error that says what is wrong with the file. */
export function requireAmRmToken(
  credentials: Credentials,
  source = 'the container tokens file',
): HadoopToken {
  const token = findToken(credentials, TokenKind.AM_RM);
  if (!token) {
    const kinds = credentials.tokens.map((t) => t.token.kind).join(', ') || 'no tokens';
    throw new TokenFileError(
      `${source} has no ${TokenKind.AM_RM} token (it holds ${kinds}); only an ApplicationMaster container started by the ResourceManager has one`,
    );
  }
  return token;
}

/** Credentials for a launched container: everything except the AM's own AMRMToken. */
export function withoutAmRmToken(credentials: Credentials): Credentials {
  return {
    tokens: credentials.tokens.filter((t) => t.token.kind !== TokenKind.AM_RM),
    secretKeys: credentials.secretKeys,
  };
}
