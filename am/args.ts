import { UsageError } from '../src/errors.js';

/** The ApplicationMaster's command line, as the YARN client writes it (see src/yarn/submit.ts, amArguments). */
export interface AmArguments {
  deployMode: 'cluster' | 'client';
  propertiesFile: string;
  app: string;
  mainExport: string;
  appArgs: string[];
}

export function parseAmArguments(argv: readonly string[]): AmArguments {
  const values: Record<string, string> = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    const m = /^--(deploy-mode|properties-file|app|class)$/.exec(a);
    if (!m || i + 1 >= argv.length) {
      throw new UsageError(
        'AM_BAD_ARGUMENTS',
        `ApplicationMaster: unexpected argument '${a}' (this AM was started by a different tspark version?)`,
      );
    }
    values[m[1]!] = argv[++i]!;
  }
  const deployMode = values['deploy-mode'];
  if (deployMode !== 'cluster' && deployMode !== 'client') {
    throw new UsageError(
      'AM_BAD_ARGUMENTS',
      `ApplicationMaster: --deploy-mode must be cluster or client, got '${deployMode}'`,
    );
  }
  for (const k of ['properties-file', 'app', 'class']) {
    if (!values[k]) throw new UsageError('AM_BAD_ARGUMENTS', `ApplicationMaster: --${k} is missing`);
  }
  return {
    deployMode,
    propertiesFile: values['properties-file']!,
    app: values.app!,
    mainExport: values.class!,
    appArgs: argv.slice(i),
  };
}
