// The ResourceManager REST client and its request/response types.
export {
  ResourceManagerClient,
  DEFAULT_RM_TIMEOUT_MS,
  type ResourceManagerClientOptions,
  type ListApplicationsFilter,
} from './client.js';
export { leafQueues, type LeafQueue } from './scheduler.js';
export type * from './types.js';
