import { ConfigError } from '../../errors.js';
import { NoActiveServerError, type HadoopService } from './errors.js';

/**
 * HA server selection shared by WebHDFS (several NameNode HTTP addresses) and
 * the ResourceManager client: try the configured servers in order, starting
 * with the one that last answered as active, and remember which one did.
 * What counts as "try the next one" is the caller's `shouldFailOver`.
 */
export class ServerList {
  readonly urls: readonly string[];
  private activeIndex = 0;
  /**
   * Set when an attempt learned of another active server (an RM redirect) and
   * said so. Concurrent calls may race on it; the worst case is one extra
   * redirect hop on a later call, never a wrong answer.
   */
  private markedDuringAttempt = false;

  constructor(
    readonly service: HadoopService,
    urls: readonly string[],
  ) {
    if (urls.length === 0) {
      throw new ConfigError(
        'HADOOP_NO_ADDRESS',
        `No ${service} address configured; give at least one http://host:port.`,
      );
    }
    this.urls = urls.map((u) => normalizeBaseUrl(u, service));
  }

  /** The server believed active. */
  get active(): string {
    return this.urls[this.activeIndex] as string;
  }

  /** Indexes in the order to try: the remembered active first, then the rest in configured order. */
  order(): number[] {
    const rest = this.urls.map((_, i) => i).filter((i) => i !== this.activeIndex);
    return [this.activeIndex, ...rest];
  }

  /** Records that `url` answered as active; unknown URLs are ignored. */
  markActive(url: string): void {
    const i = this.urls.indexOf(url);
    if (i >= 0) {
      this.activeIndex = i;
      this.markedDuringAttempt = true;
    }
  }

  /**
   * Runs `attempt` against each server in order until one succeeds. A failure
   * for which `shouldFailOver` is false is thrown at once (the server is
   * active and said no). If every server failed over, a single failure is
   * rethrown as is and several become a `NoActiveServerError`, retriable when
   * all of them were.
   */
  async tryEach<T>(
    attempt: (baseUrl: string) => Promise<T>,
    shouldFailOver: (error: unknown) => boolean,
  ): Promise<T> {
    const failures: Error[] = [];
    for (const i of this.order()) {
      const url = this.urls[i] as string;
      try {
        this.markedDuringAttempt = false;
        const result = await attempt(url);
        if (!this.markedDuringAttempt) this.activeIndex = i;
        return result;
      } catch (error) {
        if (!shouldFailOver(error)) throw error;
        failures.push(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (failures.length === 1) throw failures[0];
    const allRetriable = failures.every((f) => (f as { retriable?: unknown }).retriable === true);
    throw new NoActiveServerError(this.service, failures, allRetriable);
  }
}

/** `host:port` or `http://host:port/` -> `http://host:port` (no trailing slash). */
export function normalizeBaseUrl(raw: string, service: HadoopService): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(
      'HADOOP_BAD_ADDRESS',
      `${service} address '${raw}' is not a URL; expected http://host:port.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('HADOOP_BAD_ADDRESS', `${service} address '${raw}' must be http:// or https://.`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
