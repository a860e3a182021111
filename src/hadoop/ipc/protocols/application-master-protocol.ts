import { YarnTypes } from '../proto/messages.js';
import type { RpcCallOptions, RpcChannel, RpcProtocol } from '../rpc-channel.js';
import { invoke } from './invoke.js';
import {
  allocateRequestToProto,
  allocateResponseFromProto,
  finishRequestToProto,
  registerRequestToProto,
  registerResponseFromProto,
  type AllocateRequest,
  type AllocateResponse,
  type FinishApplicationMasterRequest,
  type FinishApplicationMasterResponse,
  type RegisterApplicationMasterRequest,
  type RegisterApplicationMasterResponse,
} from './yarn-records.js';

/** The ResourceManager's scheduler port (yarn.resourcemanager.scheduler.address, default 8030). */
export const APPLICATION_MASTER_PROTOCOL: RpcProtocol = {
  name: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB',
  version: 1n,
};

/**
 * ApplicationMasterProtocol (applicationmaster_protocol.proto): typed calls
 * over any RpcChannel authenticated with the AMRMToken. No policy here:
 * resync, retries and response-id bookkeeping belong to the caller.
 */
export class ApplicationMasterProtocolClient {
  constructor(private readonly channel: RpcChannel) {}

  async registerApplicationMaster(
    request: RegisterApplicationMasterRequest,
    options?: RpcCallOptions,
  ): Promise<RegisterApplicationMasterResponse> {
    const m = await invoke(
      this.channel,
      APPLICATION_MASTER_PROTOCOL,
      'registerApplicationMaster',
      YarnTypes.RegisterApplicationMasterRequestProto,
      YarnTypes.RegisterApplicationMasterResponseProto,
      registerRequestToProto(request),
      options,
    );
    return registerResponseFromProto(m);
  }

  async allocate(request: AllocateRequest, options?: RpcCallOptions): Promise<AllocateResponse> {
    const m = await invoke(
      this.channel,
      APPLICATION_MASTER_PROTOCOL,
      'allocate',
      YarnTypes.AllocateRequestProto,
      YarnTypes.AllocateResponseProto,
      allocateRequestToProto(request),
      options,
    );
    return allocateResponseFromProto(m);
  }

  async finishApplicationMaster(
    request: FinishApplicationMasterRequest,
    options?: RpcCallOptions,
  ): Promise<FinishApplicationMasterResponse> {
    const m = await invoke(
      this.channel,
      APPLICATION_MASTER_PROTOCOL,
      'finishApplicationMaster',
      YarnTypes.FinishApplicationMasterRequestProto,
      YarnTypes.FinishApplicationMasterResponseProto,
      finishRequestToProto(request),
      options,
    );
    return { isUnregistered: m.isUnregistered as boolean };
  }
}
