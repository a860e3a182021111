import { formatNodeId, type NodeId } from '../../hadoop/ipc/protocols/yarn-ids.js';
import type { NMToken } from '../../hadoop/ipc/protocols/yarn-records.js';
import type { HadoopToken } from '../../hadoop/security/token.js';

/**
 * NMTokens by node ("host:port"). The RM sends a node's token once per
 * attempt (and again after its key rolls), so tokens are kept for the whole
 * attempt and a newer one replaces the older.
 */
export class NmTokenCache {
  private readonly tokens = new Map<string, HadoopToken>();

  update(tokens: readonly NMToken[]): void {
    for (const t of tokens) this.tokens.set(formatNodeId(t.nodeId), t.token);
  }

  get(nodeId: NodeId): HadoopToken | undefined {
    return this.tokens.get(formatNodeId(nodeId));
  }

  get size(): number {
    return this.tokens.size;
  }
}
