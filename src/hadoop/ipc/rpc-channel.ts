/**
 * What a typed protocol client needs from the transport: send one encoded
 * request for a method and get the encoded response back. IpcConnection and
 * IpcClient implement it; tests use fakes.
 */
export interface RpcProtocol {
  /** PB protocol name, sent in the connection context and every RequestHeaderProto. */
  name: string;
  version: bigint;
}

export interface RpcCallOptions {
  /** Overrides the connection's default call timeout. */
  timeoutMs?: number;
  /** 0 for a first attempt; the n-th retry of the same call sends n. */
  retryCount?: number;
}

export interface RpcChannel {
  call(
    protocol: RpcProtocol,
    methodName: string,
    request: Uint8Array,
    options?: RpcCallOptions,
  ): Promise<Uint8Array>;
}
