/* global fetch, AbortSignal, URLSearchParams */
// Readiness probes over the daemons' own HTTP endpoints, and the HDFS
// directories every start makes sure of (through WebHDFS, so no JVM is needed).

// The first REST call initializes the daemon's web app (Jersey, Guice), which
// takes seconds on a loaded machine: be patient per request, the caller retries.
const PROBE_TIMEOUT_MS = 20_000;

function describe(e) {
  if (e.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS / 1000}s`;
  return e.cause?.code || e.message;
}

async function getJson(url) {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    headers: { Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** NameNode up, out of safe mode, with at least one live DataNode. */
export async function hdfsHealth(layout) {
  try {
    const jmx = await getJson(`${layout.nnHttpUrl}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo`);
    const info = jmx.beans?.[0];
    if (!info) return { ok: false, why: 'NameNode JMX not ready' };
    const live = Object.keys(JSON.parse(info.LiveNodes || '{}')).length;
    if (live < 1) return { ok: false, why: 'no live DataNode yet' };
    if (info.Safemode) return { ok: false, why: `NameNode in safe mode: ${info.Safemode}` };
    return { ok: true, liveDataNodes: live };
  } catch (e) {
    return { ok: false, why: `NameNode: ${describe(e)}` };
  }
}

/** RM STARTED and every expected NodeManager RUNNING. */
export async function yarnHealth(layout) {
  try {
    const info = (await getJson(`${layout.rmUrl}/ws/v1/cluster/info`)).clusterInfo;
    if (info?.state !== 'STARTED') return { ok: false, why: `ResourceManager state ${info?.state}` };
    const nodes = (await getJson(`${layout.rmUrl}/ws/v1/cluster/nodes`)).nodes?.node ?? [];
    const running = nodes.filter((n) => n.state === 'RUNNING');
    const want = layout.nodeManagers.length;
    if (running.length < want) return { ok: false, why: `${running.length}/${want} NodeManagers RUNNING` };
    return { ok: true, nodes: running.map((n) => ({ id: n.id, httpAddress: n.nodeHTTPAddress })) };
  } catch (e) {
    return { ok: false, why: `ResourceManager: ${describe(e)}` };
  }
}

/** The ApplicationHistoryServer's REST API answers (only with `start --history-server`). */
export async function historyServerHealth(layout) {
  try {
    await getJson(`${layout.ahsUrl}/ws/v1/applicationhistory/about`);
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `ApplicationHistoryServer: ${describe(e)}` };
  }
}

async function webhdfs(layout, method, path, op, params = {}) {
  const qs = new URLSearchParams({ op, 'user.name': layout.superuser, ...params });
  const url = `${layout.webhdfsUrl}${path}?${qs}`;
  const res = await fetch(url, { method, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`WebHDFS ${op} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** mkdir -p, chmod and chown of the cluster's standard directories, as the superuser. */
export async function ensureHdfsDirectories(layout, dirs) {
  for (const dir of dirs) {
    await webhdfs(layout, 'PUT', dir.path, 'MKDIRS', { permission: dir.mode });
    // MKDIRS applies the umask and leaves existing dirs alone: set mode explicitly.
    await webhdfs(layout, 'PUT', dir.path, 'SETPERMISSION', { permission: dir.mode });
    if (dir.owner) await webhdfs(layout, 'PUT', dir.path, 'SETOWNER', { owner: dir.owner });
  }
}
