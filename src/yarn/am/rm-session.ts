import { ExitCode, TsparkError, isTsparkError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { RpcCallOptions } from '../../hadoop/ipc/rpc-channel.js';
import type {
  AllocateRequest,
  AllocateResponse,
  FinalApplicationStatus,
  FinishApplicationMasterRequest,
  FinishApplicationMasterResponse,
  RegisterApplicationMasterRequest,
  RegisterApplicationMasterResponse,
} from '../../hadoop/ipc/protocols/yarn-records.js';
import type { HadoopToken } from '../../hadoop/security/token.js';

/**
 * The AM's conversation with the ResourceManager scheduler
 * (ApplicationMasterProtocol) with the bookkeeping Hadoop's AMRMClient does:
 * response_id echoing (reset to 0 on (re-)registration), the rolled AMRMToken
 * kept for the next connection, allocate retried after a lost connection with
 * the same id and content (the RM answers a repeated id with its previous
 * response), finish repeated until the RM has saved the final state, and
 * registration retried across the configured RMs until a deadline.
 */

/** ApplicationMasterProtocolClient, or a fake in tests. */
export interface AmRmProtocol {
  registerApplicationMaster(
    request: RegisterApplicationMasterRequest,
    options?: RpcCallOptions,
  ): Promise<RegisterApplicationMasterResponse>;
  allocate(request: AllocateRequest, options?: RpcCallOptions): Promise<AllocateResponse>;
  finishApplicationMaster(
    request: FinishApplicationMasterRequest,
    options?: RpcCallOptions,
  ): Promise<FinishApplicationMasterResponse>;
}

export interface RmEndpoint {
  /** host:port, for messages. */
  address: string;
  protocol: AmRmProtocol;
}

/** Tunables. */
export const ALLOCATE_RETRIES = 3;
export const FINISH_RETRY_INTERVAL_MS = 100; // AMRMClientImpl sleeps 100 ms between tries
export const FINISH_TIMEOUT_MS = 60_000;

export class RegistrationError extends TsparkError {
  constructor(message: string, cause: unknown) {
    super('AM_REGISTRATION_FAILED', message, { exitCode: ExitCode.REMOTE, cause });
  }
}

export interface AmRmSessionOptions {
  endpoints: readonly RmEndpoint[];
  /** The AMRMToken from the container tokens file. */
  token: HadoopToken;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** How long registration keeps trying unreachable RMs (yarn.resourcemanager.connect.max-wait.ms). */
  connectMaxWaitMs: number;
  /** Pause between rounds over the RMs (yarn.resourcemanager.connect.retry-interval.ms). */
  connectRetryIntervalMs: number;
}

export type AllocateCall = Omit<AllocateRequest, 'responseId'>;

export class AmRmSession {
  private responseId = 0;
  private token: HadoopToken;
  private active: RmEndpoint | undefined;
  private registration: RegisterApplicationMasterRequest | undefined;
  private readonly log: Logger;

  constructor(private readonly options: AmRmSessionOptions) {
    if (options.endpoints.length === 0)
      throw new Error('AmRmSession needs at least one ResourceManager address');
    this.token = options.token;
    this.log = options.logger.child({ component: 'rm-session' });
  }

  /** The AMRMToken to authenticate the next connection with (rolled ones replace the file's). */
  get amRmToken(): HadoopToken {
    return this.token;
  }

  get lastResponseId(): number {
    return this.responseId;
  }

  get address(): string | undefined {
    return this.active?.address;
  }

  /**
   * Registers, trying each RM in turn until one answers or the deadline
   * passes. Authentication failures (a wrong token) are not retried.
   */
  async register(request: RegisterApplicationMasterRequest): Promise<RegisterApplicationMasterResponse> {
    const deadline = this.options.now() + this.options.connectMaxWaitMs;
    let lastError: unknown;
    for (let round = 0; ; round++) {
      for (const endpoint of this.options.endpoints) {
        try {
          const response = await endpoint.protocol.registerApplicationMaster(request);
          this.active = endpoint;
          this.registration = request;
          this.responseId = 0;
          this.log.info(
            { rm: endpoint.address, queue: response.queue },
            'Registered with the ResourceManager',
          );
          return response;
        } catch (e) {
          lastError = e;
          if (!isRetriable(e)) throw registrationError(endpoint.address, e, false);
          this.log.warn(
            { rm: endpoint.address, err: (e as Error).message, round },
            'ResourceManager scheduler not reachable; retrying',
          );
        }
      }
      if (this.options.now() + this.options.connectRetryIntervalMs > deadline) break;
      await this.options.sleep(this.options.connectRetryIntervalMs);
    }
    const addresses = this.options.endpoints.map((e) => e.address).join(', ');
    throw registrationError(addresses, lastError, true);
  }

  /** Registers again after the RM lost the registration (resync): same request, response id 0. */
  async reRegister(): Promise<RegisterApplicationMasterResponse> {
    if (!this.registration) throw new Error('reRegister before register');
    const response = await this.endpoint().protocol.registerApplicationMaster(this.registration);
    this.responseId = 0;
    this.log.info({ rm: this.active?.address }, 'Registered again with the ResourceManager (resync)');
    return response;
  }

  async allocate(call: AllocateCall): Promise<AllocateResponse> {
    const request: AllocateRequest = { ...call, responseId: this.responseId };
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.endpoint().protocol.allocate(request, { retryCount: attempt });
        this.responseId = response.responseId;
        if (response.amRmToken) {
          this.token = response.amRmToken;
          this.log.info('Received a rolled AMRMToken; it authenticates the next connection');
        }
        return response;
      } catch (e) {
        if (!isRetriable(e) || attempt + 1 >= ALLOCATE_RETRIES) throw e;
        this.log.warn(
          { err: (e as Error).message, attempt },
          'allocate failed; repeating it with the same response id',
        );
        await this.options.sleep(this.options.connectRetryIntervalMs);
      }
    }
  }

  /** Unregisters; repeats until the RM reports the final state saved. */
  async unregister(
    finalStatus: FinalApplicationStatus,
    diagnostics: string,
    trackingUrl: string,
  ): Promise<void> {
    const deadline = this.options.now() + FINISH_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      let unregistered = false;
      try {
        const r = await this.endpoint().protocol.finishApplicationMaster(
          { finalStatus, diagnostics, trackingUrl },
          { retryCount: attempt },
        );
        unregistered = r.isUnregistered;
      } catch (e) {
        if (!isRetriable(e) || this.options.now() > deadline) throw e;
        this.log.warn({ err: (e as Error).message }, 'finishApplicationMaster failed; retrying');
      }
      if (unregistered) {
        this.log.info({ finalStatus }, 'Unregistered from the ResourceManager');
        return;
      }
      if (this.options.now() > deadline) {
        throw new TsparkError(
          'AM_UNREGISTER_TIMEOUT',
          `the ResourceManager did not confirm unregistration within ${FINISH_TIMEOUT_MS} ms`,
          { exitCode: ExitCode.REMOTE, retriable: true },
        );
      }
      await this.options.sleep(FINISH_RETRY_INTERVAL_MS);
    }
  }

  private endpoint(): RmEndpoint {
    if (!this.active) throw new Error('the ApplicationMaster is not registered');
    return this.active;
  }
}

function isRetriable(e: unknown): boolean {
  return isTsparkError(e) && e.retriable;
}

function registrationError(where: string, cause: unknown, exhausted: boolean): RegistrationError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const message = exhausted
    ? `cannot reach the ResourceManager scheduler at ${where} (${detail}); check yarn.resourcemanager.scheduler.address ` +
      'in the yarn-site.xml shipped with the application (HADOOP_CONF_DIR of the submitter)'
    : `the ResourceManager scheduler at ${where} refused the ApplicationMaster's registration: ${detail}`;
  return new RegistrationError(message, cause);
}
