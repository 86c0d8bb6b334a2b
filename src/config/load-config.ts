import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { AppError } from '../errors.js';
import type { ConfigProblem } from './config-problem.js';
import { type BotConfig, botConfigSchema } from './config-schema.js';
import { rememberConfigSecrets } from './config-secrets.js';
import { deepFreeze } from './deep-freeze.js';
import { formatConfigProblems } from './format-config-problems.js';
import { interpolateEnv } from './interpolate-env.js';
import { configErrorMap, zodIssuesToProblems } from './zod-issues-to-problems.js';

export interface LoadConfigOptions {
  path: string;
  env: Readonly<Record<string, string | undefined>>;
}

function invalid(sourceName: string, problems: ConfigProblem[]): AppError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new AppError(
    'E_CONFIG_INVALID',
    `The config file ${sourceName} has ${count}; the bot will not start until they are fixed:\n${formatConfigProblems(problems)}`,
    { details: { source: sourceName, problems } },
  );
}

function parseYaml(text: string, sourceName: string): { data: unknown; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return {
        path: `${sourceName}:${line}:${col}`,
        message: `YAML syntax error at line ${line}, column ${col}: ${error.message.split('\n')[0] ?? ''}`,
        hint: 'check the indentation (spaces, not tabs) and that quotes and brackets are closed',
      };
    });
    return { data: undefined, problems };
  }
  try {
    const data: unknown = doc.toJS({ maxAliasCount: 100 });
    if (data === null || data === undefined) {
      return {
        data: undefined,
        problems: [
          { path: '(top level)', message: 'the file is empty', hint: 'start from kong-upgrade.example.yaml' },
        ],
      };
    }
    return { data, problems: [] };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      data: undefined,
      problems: [{ path: sourceName, message: `YAML could not be read: ${reason}` }],
    };
  }
}

/**
 * Every `${VAR}` substitution is a secret (a token inside a deploy argv looks like any other word), and
 * so are the worker's values of the variables each `deploy.env` names.
 */
function rememberSecrets(
  config: BotConfig,
  substituted: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): void {
  const all = [...substituted];
  for (const environment of Object.values(config.environments)) {
    const named = environment.deploy.env
      .map((name) => (Object.hasOwn(env, name) ? env[name] : undefined))
      .filter((v): v is string => v !== undefined);
    all.push(...named);
  }
  rememberConfigSecrets(config, all);
  for (const environment of Object.values(config.environments)) rememberConfigSecrets(environment, all);
}

/**
 * Parses, interpolates and validates config text; throws `E_CONFIG_INVALID` listing every problem.
 * `sourceName` names the file in messages.
 */
export function parseConfigText(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  sourceName: string,
): BotConfig {
  const yaml = parseYaml(text, sourceName);
  if (yaml.problems.length > 0) throw invalid(sourceName, yaml.problems);

  const interpolated = interpolateEnv(yaml.data, env);
  const result = botConfigSchema.safeParse(interpolated.value, { error: configErrorMap });
  // A value whose variable is missing is reported once, for the variable, not again for its shape.
  const reported = new Set(interpolated.problems.map((p) => p.path));
  const schemaProblems = result.success
    ? []
    : zodIssuesToProblems(result.error.issues, botConfigSchema).filter((p) => !reported.has(p.path));
  const problems = [...interpolated.problems, ...schemaProblems];
  if (problems.length > 0 || !result.success) throw invalid(sourceName, problems);
  const config = deepFreeze(result.data);
  rememberSecrets(config, interpolated.substituted, env);
  return config;
}

/** Reads and validates the YAML config file (docs/contract.md#config-file). The result is deep-frozen. */
export async function loadConfig(opts: LoadConfigOptions): Promise<BotConfig> {
  let text: string;
  try {
    text = await readFile(opts.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'config file not found'
        : code === 'EACCES'
          ? 'config file cannot be read (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory, not a config file'
            : `config file cannot be read (${code ?? 'unknown error'})`;
    throw invalid(opts.path, [
      {
        path: opts.path,
        message,
        hint: 'set KONG_UPGRADE_CONFIG to the path of your config file (start from kong-upgrade.example.yaml)',
      },
    ]);
  }
  return parseConfigText(text, opts.env, opts.path);
}
