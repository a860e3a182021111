/**
 * A Hadoop security token (org.apache.hadoop.security.token.Token): opaque
 * identifier and password bytes, a kind and a service. Never log `password`.
 */
export interface HadoopToken {
  identifier: Uint8Array;
  password: Uint8Array;
  kind: string;
  service: string;
}

export const TokenKind = {
  AM_RM: 'YARN_AM_RM_TOKEN',
  NM: 'NMToken',
  CONTAINER: 'ContainerToken',
} as const;

/** What may be logged about a token: kind, service and sizes, never the bytes. */
export function describeToken(token: HadoopToken): {
  kind: string;
  service: string;
  identifierBytes: number;
} {
  return { kind: token.kind, service: token.service, identifierBytes: token.identifier.length };
}
