/**
 * The error body every Hadoop REST service (NameNode and DataNode WebHDFS,
 * ResourceManager, NodeManager) sends on failure:
 *
 *   {"RemoteException": {"exception": "<SimpleName>", "javaClassName": "<FQCN>", "message": "..."}}
 *
 * Decoding only: turning it into a typed error is `errors.ts`'s job.
 */
export interface RemoteExceptionBody {
  /** Simple class name, e.g. `FileNotFoundException`. */
  exception: string;
  /** Fully qualified class name; absent in some old responses. */
  javaClassName?: string;
  message: string;
}

/** Decodes a RemoteException from a response body (object, JSON text or bytes); undefined if it is not one. */
export function decodeRemoteException(body: unknown): RemoteExceptionBody | undefined {
  let value: unknown = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text.startsWith('{')) return undefined;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const inner = (value as Record<string, unknown>).RemoteException;
  if (typeof inner !== 'object' || inner === null) return undefined;
  const r = inner as Record<string, unknown>;
  const javaClassName = typeof r.javaClassName === 'string' ? r.javaClassName : undefined;
  let exception = typeof r.exception === 'string' ? r.exception : undefined;
  if (!exception && javaClassName) exception = javaClassName.slice(javaClassName.lastIndexOf('.') + 1);
  if (!exception) return undefined;
  const message = typeof r.message === 'string' ? r.message : '';
  return javaClassName === undefined ? { exception, message } : { exception, javaClassName, message };
}

/**
 * Facts an AccessControlException message carries, e.g.
 * `Permission denied: user=alice, access=WRITE, inode="/user/bob":bob:supergroup:drwxr-xr-x`.
 */
export interface PermissionDeniedFacts {
  user?: string;
  access?: string;
  inode?: string;
  owner?: string;
  group?: string;
  mode?: string;
}

export function parsePermissionDenied(message: string): PermissionDeniedFacts {
  const facts: PermissionDeniedFacts = {};
  const user = /user=([^,\s]+)/.exec(message);
  if (user?.[1]) facts.user = user[1];
  const access = /access=([A-Z_]+)/.exec(message);
  if (access?.[1]) facts.access = access[1];
  const inode = /inode="([^"]*)"(?::([^:\s]*):([^:\s]*):([-dlrwxstST+]+))?/.exec(message);
  if (inode?.[1] !== undefined) facts.inode = inode[1];
  if (inode?.[2]) facts.owner = inode[2];
  if (inode?.[3]) facts.group = inode[3];
  if (inode?.[4]) facts.mode = inode[4];
  return facts;
}
