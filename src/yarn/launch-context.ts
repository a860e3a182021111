import { escapeForYarnShell } from './shell-escape.js';
import type {
  ContainerLaunchContextInfo,
  EntryMap,
  LocalResourceInfo,
  LocalResourceType,
  LocalResourceVisibility,
} from './rest/types.js';

/**
 * The container launch context of a tspark ApplicationMaster, in the JSON
 * shape the ResourceManager's REST API takes (`am-container-spec`), and the
 * names every container uses for what is localized into its working
 * directory. The AM builds executor contexts from the same names.
 */

/** Link names inside a container's working directory. */
export const ContainerLayout = {
  /** The tspark runtime archive, unpacked here: the AM and executor entry points live in it. */
  RUNTIME: 'node_modules/tspark',
  /** The application bundle (ES module) and its source map. */
  APP_BUNDLE: '__app__.mjs',
  APP_SOURCE_MAP: '__app__.mjs.map',
  /** Archive with __spark_conf__.properties and __hadoop_conf__/ (the client's site files). */
  CONF_DIR: '__spark_conf__',
  CONF_PROPERTIES: '__spark_conf__/__spark_conf__.properties',
  HADOOP_CONF_DIR: '__spark_conf__/__hadoop_conf__',
  /** Entry points inside the runtime. */
  AM_MAIN: 'node_modules/tspark/dist/am/main.js',
  EXECUTOR_MAIN: 'node_modules/tspark/dist/src/executor/main.js',
} as const;

/** The alias under which the application secret travels in the launch context's credentials. */
export const APP_SECRET_ALIAS = 'tspark.application.secret';

/** A local resource as the RM's REST API takes it (size and mtime exactly as WebHDFS reports). */
export type LocalResource = LocalResourceInfo;
export type { LocalResourceType, LocalResourceVisibility };

export interface NodeCommandInput {
  /** The node binary: `node` from the NodeManager's PATH unless configured. */
  nodeBinary: string;
  heapMiB: number;
  script: string;
  args: readonly string[];
}

/**
 * `node --max-old-space-size=<heap> <script> <args…> 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`,
 * every user-controlled piece quoted for the NodeManager's two shells.
 */
export function nodeCommand(input: NodeCommandInput): string {
  return [
    escapeForYarnShell(input.nodeBinary),
    `--max-old-space-size=${input.heapMiB}`,
    '--enable-source-maps',
    escapeForYarnShell(input.script),
    ...input.args.map(escapeForYarnShell),
    '1><LOG_DIR>/stdout',
    '2><LOG_DIR>/stderr',
  ].join(' ');
}

function entryMap<V>(record: Readonly<Record<string, V>>): EntryMap<V> {
  return { entry: Object.keys(record).sort().map((key) => ({ key, value: record[key]! })) };
}

export interface AmContainerSpecInput {
  localResources: Readonly<Record<string, LocalResource>>;
  environment: Readonly<Record<string, string>>;
  command: string;
  /** The application secret, raw bytes; it travels only in the credentials. */
  secret: Buffer;
  viewAcl?: string;
  modifyAcl?: string;
}

export function amContainerSpec(input: AmContainerSpecInput): ContainerLaunchContextInfo {
  const spec: ContainerLaunchContextInfo = {
    'local-resources': entryMap(input.localResources),
    environment: entryMap(input.environment),
    commands: { command: input.command },
    credentials: { secrets: entryMap({ [APP_SECRET_ALIAS]: input.secret.toString('base64') }) },
  };
  if (input.viewAcl !== undefined || input.modifyAcl !== undefined) {
    const acls: Record<string, string> = {};
    if (input.viewAcl !== undefined) acls.VIEW_APP = input.viewAcl;
    if (input.modifyAcl !== undefined) acls.MODIFY_APP = input.modifyAcl;
    spec['application-acls'] = entryMap(acls);
  }
  return spec;
}

/**
 * Spark's visibility rule: PUBLIC when the file is world-readable and every
 * ancestor directory world-executable, else PRIVATE. Files under the 700
 * staging directory are therefore PRIVATE; the shared runtime can be PUBLIC.
 */
export function visibilityFor(fileMode: number, ancestorModes: readonly number[]): LocalResourceVisibility {
  const worldReadable = (fileMode & 0o004) !== 0;
  const ancestorsTraversable = ancestorModes.every((m) => (m & 0o001) !== 0);
  return worldReadable && ancestorsTraversable ? 'PUBLIC' : 'PRIVATE';
}
