import { NO_LOCALITY_PREFERENCES, type LocalityPreferences } from '../../core/scheduler/backend.js';
import type { ExecutorLauncher as ClusterExecutorLauncher } from '../../core/scheduler/cluster/cluster-backend.js';
import type { Container } from '../../hadoop/ipc/protocols/yarn-records.js';
import type { Logger } from '../../log.js';
import type { ExecutorExitEvent, ExecutorLauncher as ContainerLauncher } from './allocator.js';

/**
 * Joins the driver's cluster scheduler backend (yarn-cluster: it runs in
 * the AM) to the AM's allocator. The allocator asks for containers from the
 * moment the AM registers, but an executor's command needs the driver's
 * address, known only once the backend's endpoint listens: container
 * launches wait for it here. Completed executor containers are reported to
 * the backend as lost executors; when the backend stops, executors leave on
 * its StopExecutor and stop() waits for the allocator to see them go.
 *
 * It also carries the driver's pending-task locality to the allocator: in
 * cluster mode read from the driver's backend in this process when the
 * allocator asks; in client mode the latest the driver sent over the link.
 */
export class YarnExecutorLauncher implements ClusterExecutorLauncher {
  private address: { host: string; port: number } | undefined;
  private resolveAddress!: (a: { host: string; port: number }) => void;
  private rejectAddress!: (e: Error) => void;
  private readonly addressReady: Promise<{ host: string; port: number }>;
  private onExit: ((executorId: string, reason: string) => void) | undefined;
  private readonly live = new Set<string>();
  private allGone: (() => void) | undefined;
  private localitySource: (() => LocalityPreferences) | undefined;
  private stopping: (() => void) | undefined;
  private latestLocality: LocalityPreferences = NO_LOCALITY_PREFERENCES;

  constructor(private readonly logger: Logger) {
    this.addressReady = new Promise((resolve, reject) => {
      this.resolveAddress = resolve;
      this.rejectAddress = reject;
    });
    // a driver that ends before its endpoint listens leaves nobody awaiting this
    this.addressReady.catch(() => {});
  }

  /** The driver endpoint executors dial, once the backend started it. */
  get driverAddress(): { host: string; port: number } | undefined {
    return this.address;
  }

  /** `host:port` for the executor's --driver-url (IPv6 hosts bracketed). */
  get driverUrl(): string | undefined {
    const a = this.address;
    if (!a) return undefined;
    return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
  }

  // ---- the backend's side ---------------------------------------------------

  async launch(
    driver: { host: string; port: number },
    _secret: Buffer,
    onExit: (executorId: string, reason: string) => void,
  ): Promise<void> {
    // the secret reaches executors in their container credentials, which the AM already holds
    this.onExit = onExit;
    this.address = driver;
    this.logger.info({ driver: this.driverUrl }, 'Executor containers will dial the driver endpoint');
    this.resolveAddress(driver);
  }

  async stop(timeoutMs: number): Promise<void> {
    if (this.live.size === 0) return;
    this.stopping?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (this.allGone = resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    this.allGone = undefined;
    if (this.live.size > 0) {
      this.logger.info(
        { executors: [...this.live] },
        `${this.live.size} executor(s) still running after ${timeoutMs} ms; the ApplicationMaster stops their containers`,
      );
    }
  }

  /**
   * Called when the driver's backend starts stopping its executors: the AM then asks for
   * nothing more and heartbeats quickly, so their containers' completion is seen in
   * a fraction of a second rather than at the next idle heartbeat (up to 3 s later).
   */
  whenStopping(callback: () => void): void {
    this.stopping = callback;
  }

  /** Cluster mode: the driver's backend in this process reports its pending tasks' hosts. */
  useLocalitySource(source: () => LocalityPreferences): void {
    this.localitySource = source;
  }

  /** Client mode: the driver sent where its pending tasks would like to run. */
  updateLocalityPreferences(preferences: LocalityPreferences): void {
    this.latestLocality = preferences;
  }

  // ---- the allocator's side -------------------------------------------------

  /** Where the driver's pending tasks would like executors, as last known. */
  localityPreferences(): LocalityPreferences {
    return this.localitySource?.() ?? this.latestLocality;
  }

  /** The driver ended without starting its endpoint: launches waiting for it fail. */
  abandon(reason: string): void {
    if (!this.address) this.rejectAddress(new Error(reason));
  }

  /** Wraps the NodeManager launcher so that no container starts before the driver listens. */
  gate(inner: ContainerLauncher): ContainerLauncher {
    return {
      launch: async (container: Container, executorId: string) => {
        await this.addressReady;
        this.live.add(executorId);
        await inner.launch(container, executorId);
      },
      stop: (containers: readonly Container[]) => inner.stop(containers),
    };
  }

  /** A container the allocator launched has completed (or its launch failed). */
  executorExited(event: ExecutorExitEvent): void {
    this.live.delete(event.executorId);
    this.onExit?.(
      event.executorId,
      `container ${event.containerId} on ${event.node} ended (exit status ${event.exitStatus}): ${event.reason}`,
    );
    if (this.live.size === 0) this.allGone?.();
  }
}
