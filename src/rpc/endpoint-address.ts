/**
 * Where the driver endpoint listens and what it tells executors, as in Spark:
 * spark.driver.host (default: this host's name) is the address executors
 * dial; spark.driver.bindAddress (default: spark.driver.host) is the local
 * address the server listens on, so a driver behind NAT or in a container
 * can listen on 0.0.0.0 yet advertise a reachable name; spark.driver.port
 * (default 0) picks the port. The values are read from the configuration by
 * the entry point and passed here; the local host name is passed in too.
 */
export interface DriverAddressSettings {
  host?: string;
  bindAddress?: string;
  port?: number;
}

export interface DriverEndpointAddress {
  bindAddress: string;
  advertisedHost: string;
  port: number;
}

export function resolveDriverEndpointAddress(
  settings: DriverAddressSettings,
  localHostName: string,
): DriverEndpointAddress {
  const advertisedHost = nonEmpty(settings.host) ?? localHostName;
  const bindAddress = nonEmpty(settings.bindAddress) ?? advertisedHost;
  return { bindAddress, advertisedHost, port: settings.port ?? 0 };
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}
