import { isPlainObject } from './common-schemas.js';
import { type ConfigProblem, formatKeyPath } from './config-problem.js';

export interface InterpolationResult {
  value: unknown;
  problems: ConfigProblem[];
  /** Every value a `${VAR}` reference was replaced with: all of them are treated as secrets. */
  substituted: string[];
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// `$${` first, so that an escaped reference is never read as a variable.
const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

function interpolateString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  path: readonly PropertyKey[],
  problems: ConfigProblem[],
  substituted: string[],
): string {
  return text.replace(TOKEN, (token: string, name: string | undefined) => {
    if (token === `$\${`) return `\${`;
    const where = formatKeyPath(path);
    if (name === undefined) {
      problems.push({
        path: where,
        message: `"\${" is not closed with "}"`,
        hint: `write \${NAME} for a variable, or $\${ for a literal \${`,
      });
      return '';
    }
    if (!VARIABLE_NAME.test(name)) {
      problems.push({
        path: where,
        message: `"\${${name}}" is not an environment variable reference`,
        hint: `variable names are letters, digits and _, e.g. \${KONG_X_ADMIN_TOKEN}; write $\${ for a literal \${`,
      });
      return '';
    }
    // Own properties only: `${constructor}` must not find Object.prototype.constructor.
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (typeof value !== 'string') {
      problems.push({
        path: where,
        message: `environment variable ${name} is not set`,
        hint: `set ${name} in the bot's environment, or remove the reference`,
      });
      return '';
    }
    substituted.push(value);
    return value;
  });
}

function walk(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: PropertyKey[],
  problems: ConfigProblem[],
  substituted: string[],
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path, problems, substituted);
  if (Array.isArray(value))
    return value.map((item, i) => walk(item, env, [...path, i], problems, substituted));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = walk(item, env, [...path, key], problems, substituted);
    return out;
  }
  return value;
}

/**
 * Replaces `${VAR}` in every string value (keys are left alone) with the environment variable, before
 * validation, so secrets stay out of the file. `$${` stands for a literal `${`. Every missing variable
 * is reported with the key path where it is used.
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): InterpolationResult {
  const problems: ConfigProblem[] = [];
  const substituted: string[] = [];
  return { value: walk(value, env, [], problems, substituted), problems, substituted };
}
