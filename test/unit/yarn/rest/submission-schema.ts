/**
 * The ApplicationSubmissionContext JSON schema as documented in the shared
 * yarn-rest brief (§3.2 request keys, §3.3 am-container-spec and
 * LocalResource) and ResourceManagerRest.md, written out independently of
 * src/yarn/rest/types.ts so that a test can hold our request bodies against
 * it. The recorded body the real RM accepted (fixture `submit-accepted`) is
 * checked against it too, so the schema itself is anchored in reality.
 */

type Check = (value: unknown, at: string, problems: string[]) => void;

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);

const str: Check = (v, at, p) => void (typeof v !== 'string' && p.push(`${at}: expected a string`));
const int: Check = (v, at, p) => void (!isInt(v) && p.push(`${at}: expected an integer`));
const bool: Check = (v, at, p) => void (typeof v !== 'boolean' && p.push(`${at}: expected a boolean`));
const oneOf =
  (...values: string[]): Check =>
  (v, at, p) =>
    void (!values.includes(v as string) && p.push(`${at}: expected one of ${values.join('|')}`));

function object(fields: Record<string, Check>, required: string[] = []): Check {
  return (v, at, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      p.push(`${at}: expected an object`);
      return;
    }
    for (const r of required) if (!(r in v)) p.push(`${at}.${r}: required`);
    for (const [k, val] of Object.entries(v)) {
      const check = fields[k];
      if (!check) p.push(`${at}.${k}: not a documented key`);
      else check(val, `${at}.${k}`, p);
    }
  };
}

/** JAXB map: {"entry": [{"key": string, "value": V}]}. */
function entryMap(value: Check): Check {
  return object(
    {
      entry: (v, at, p) => {
        if (!Array.isArray(v)) {
          p.push(`${at}: expected an array`);
          return;
        }
        v.forEach((e, i) => object({ key: str, value }, ['key', 'value'])(e, `${at}[${i}]`, p));
      },
    },
    ['entry'],
  );
}

const localResource = object(
  {
    resource: str,
    type: oneOf('FILE', 'ARCHIVE', 'PATTERN'),
    visibility: oneOf('PUBLIC', 'PRIVATE', 'APPLICATION'),
    size: int,
    timestamp: int,
    pattern: str,
  },
  ['resource', 'type', 'visibility', 'size', 'timestamp'],
);

const commands = object(
  {
    command: (v, at, p) => {
      if (typeof v === 'string') return;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return;
      p.push(`${at}: expected a string or an array of strings`);
    },
  },
  ['command'],
);

const amContainerSpec = object({
  'local-resources': entryMap(localResource),
  environment: entryMap(str),
  commands,
  'service-data': entryMap(str),
  credentials: object({ tokens: entryMap(str), secrets: entryMap(str) }),
  'application-acls': entryMap(str),
});

const resource = object({ memory: int, vCores: int }, ['memory', 'vCores']);

const submissionContext = object(
  {
    'application-id': (v, at, p) =>
      void (typeof v !== 'string' || !/^application_\d+_\d+$/.test(v)
        ? p.push(`${at}: expected application_<ts>_<seq>`)
        : undefined),
    'application-name': str,
    queue: str,
    priority: int,
    'am-container-spec': amContainerSpec,
    'unmanaged-AM': bool,
    'max-app-attempts': int,
    resource,
    'application-type': (v, at, p) => {
      str(v, at, p);
      if (typeof v === 'string' && v.length > 20) p.push(`${at}: longer than 20 characters`);
    },
    'keep-containers-across-application-attempts': bool,
    'application-tags': object({
      tag: (v, at, p) =>
        void (
          !(Array.isArray(v) && v.every((t) => typeof t === 'string')) && p.push(`${at}: expected strings`)
        ),
    }),
    'log-aggregation-context': object({
      'log-include-pattern': str,
      'log-exclude-pattern': str,
      'rolled-log-include-pattern': str,
      'rolled-log-exclude-pattern': str,
      'log-aggregation-policy-class-name': str,
      'log-aggregation-policy-parameters': str,
    }),
    'attempt-failures-validity-interval': int,
    'reservation-id': str,
    'cancel-tokens-when-complete': bool,
    'app-node-label-expression': str,
    'am-container-node-label-expression': str,
  },
  ['application-id'],
);

/** Problems with a POST /apps body, empty when it matches the documented schema. */
export function submissionProblems(body: unknown): string[] {
  const problems: string[] = [];
  submissionContext(body, '$', problems);
  return problems;
}
