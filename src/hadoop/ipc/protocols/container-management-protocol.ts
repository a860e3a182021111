import { YarnTypes } from '../proto/messages.js';
import type { RpcCallOptions, RpcChannel, RpcProtocol } from '../rpc-channel.js';
import { invoke } from './invoke.js';
import type { ContainerId } from './yarn-ids.js';
import {
  containerIdsRequestToProto,
  getContainerStatusesResponseFromProto,
  startContainersRequestToProto,
  startContainersResponseFromProto,
  stopContainersResponseFromProto,
  type GetContainerStatusesResponse,
  type StartContainerRequest,
  type StartContainersResponse,
  type StopContainersResponse,
} from './yarn-records.js';

/** A NodeManager's RPC port (the NodeId port of its containers). */
export const CONTAINER_MANAGEMENT_PROTOCOL: RpcProtocol = {
  name: 'org.apache.hadoop.yarn.api.ContainerManagementProtocolPB',
  version: 1n,
};

/**
 * ContainerManagementProtocol (containermanagement_protocol.proto): typed
 * calls over an RpcChannel authenticated with that node's NMToken.
 * Per-container failures come back in `failed`, not as errors.
 */
export class ContainerManagementProtocolClient {
  constructor(private readonly channel: RpcChannel) {}

  async startContainers(
    requests: StartContainerRequest[],
    options?: RpcCallOptions,
  ): Promise<StartContainersResponse> {
    const m = await invoke(
      this.channel,
      CONTAINER_MANAGEMENT_PROTOCOL,
      'startContainers',
      YarnTypes.StartContainersRequestProto,
      YarnTypes.StartContainersResponseProto,
      startContainersRequestToProto(requests),
      options,
    );
    return startContainersResponseFromProto(m);
  }

  async stopContainers(ids: ContainerId[], options?: RpcCallOptions): Promise<StopContainersResponse> {
    const m = await invoke(
      this.channel,
      CONTAINER_MANAGEMENT_PROTOCOL,
      'stopContainers',
      YarnTypes.StopContainersRequestProto,
      YarnTypes.StopContainersResponseProto,
      containerIdsRequestToProto(ids),
      options,
    );
    return stopContainersResponseFromProto(m);
  }

  async getContainerStatuses(
    ids: ContainerId[],
    options?: RpcCallOptions,
  ): Promise<GetContainerStatusesResponse> {
    const m = await invoke(
      this.channel,
      CONTAINER_MANAGEMENT_PROTOCOL,
      'getContainerStatuses',
      YarnTypes.GetContainerStatusesRequestProto,
      YarnTypes.GetContainerStatusesResponseProto,
      containerIdsRequestToProto(ids),
      options,
    );
    return getContainerStatusesResponseFromProto(m);
  }
}
