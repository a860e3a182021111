// `yarn <sub>` and `hdfs <sub>` mapped to the Java classes Hadoop's own launcher
// scripts run for them. Some classes read the subcommand itself as argv[0]
// (ApplicationCLI serves application, applicationattempt and container).

const YARN = {
  application: { mainClass: 'org.apache.hadoop.yarn.client.cli.ApplicationCLI', keepSub: true },
  applicationattempt: { mainClass: 'org.apache.hadoop.yarn.client.cli.ApplicationCLI', keepSub: true },
  container: { mainClass: 'org.apache.hadoop.yarn.client.cli.ApplicationCLI', keepSub: true },
  logs: { mainClass: 'org.apache.hadoop.yarn.client.cli.LogsCLI' },
  node: { mainClass: 'org.apache.hadoop.yarn.client.cli.NodeCLI' },
  queue: { mainClass: 'org.apache.hadoop.yarn.client.cli.QueueCLI' },
  rmadmin: { mainClass: 'org.apache.hadoop.yarn.client.cli.RMAdminCLI' },
  version: { mainClass: 'org.apache.hadoop.util.VersionInfo' },
};

const HDFS = {
  dfs: { mainClass: 'org.apache.hadoop.fs.FsShell' },
  dfsadmin: { mainClass: 'org.apache.hadoop.hdfs.tools.DFSAdmin' },
  fsck: { mainClass: 'org.apache.hadoop.hdfs.tools.DFSck' },
  getconf: { mainClass: 'org.apache.hadoop.hdfs.tools.GetConf' },
  version: { mainClass: 'org.apache.hadoop.util.VersionInfo' },
};

export const CLI_TOOLS = { yarn: YARN, hdfs: HDFS };

/** { mainClass, args } for `<tool> <sub> ...args`, or an error message. */
export function resolveCli(tool, argv) {
  const table = CLI_TOOLS[tool];
  const [sub, ...rest] = argv;
  const entry = sub ? table[sub] : undefined;
  if (!entry) {
    return { error: `usage: ${tool} <${Object.keys(table).join('|')}> [args...]` };
  }
  return { mainClass: entry.mainClass, args: entry.keepSub ? [sub, ...rest] : rest };
}
