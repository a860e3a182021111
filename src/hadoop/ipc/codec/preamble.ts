import {
  AuthProtocol,
  IPC_MAGIC,
  IPC_VERSION,
  SERVICE_CLASS_DEFAULT,
  type AuthProtocolValue,
} from './constants.js';

/**
 * The 7 bytes a client writes once, right after connecting; the server sends
 * nothing back for them.
 *
 *   +----+----+----+----+---------+---------------+---------------+
 *   | 'h'| 'r'| 'p'| 'c'| version | service class | auth protocol |
 *   +----+----+----+----+---------+---------------+---------------+
 *     68   72   70   63     09          00          DF SASL / 00 NONE
 */
export function encodePreamble(authProtocol: AuthProtocolValue = AuthProtocol.SASL): Uint8Array {
  const out = new Uint8Array(7);
  out.set(IPC_MAGIC, 0);
  out[4] = IPC_VERSION;
  out[5] = SERVICE_CLASS_DEFAULT;
  out[6] = authProtocol & 0xff;
  return out;
}

export interface Preamble {
  version: number;
  serviceClass: number;
  authProtocol: number;
}

/** Parses a preamble (used by test servers and fixtures); undefined when the magic is wrong. */
export function decodePreamble(bytes: Uint8Array): Preamble | undefined {
  if (bytes.length < 7) return undefined;
  for (let i = 0; i < 4; i++) if (bytes[i] !== IPC_MAGIC[i]) return undefined;
  const auth = bytes[6] as number;
  return {
    version: bytes[4] as number,
    serviceClass: bytes[5] as number,
    authProtocol: auth > 127 ? auth - 256 : auth,
  };
}
