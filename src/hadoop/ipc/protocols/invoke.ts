import type protobuf from 'protobufjs';
import { IpcProtocolError } from '../errors.js';
import { decodeMessage, encodeMessage, type DecodedMessage } from '../proto/messages.js';
import type { RpcCallOptions, RpcChannel, RpcProtocol } from '../rpc-channel.js';

/** Encodes a request, calls the method, decodes the response message. */
export async function invoke(
  channel: RpcChannel,
  protocol: RpcProtocol,
  methodName: string,
  requestType: protobuf.Type,
  responseType: protobuf.Type,
  request: object,
  options?: RpcCallOptions,
): Promise<DecodedMessage> {
  const bytes = encodeMessage(requestType, request);
  const response = await channel.call(protocol, methodName, bytes, options);
  try {
    return decodeMessage(responseType, response);
  } catch (e) {
    throw new IpcProtocolError(
      `cannot decode the ${methodName} response as ${responseType.name}: ${(e as Error).message}`,
      {
        cause: e,
        context: { method: methodName, protocol: protocol.name },
      },
    );
  }
}
