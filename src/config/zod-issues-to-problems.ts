import { z } from 'zod';
import { closestMatch } from './closest-match.js';
import { type ConfigProblem, formatKeyPath } from './config-problem.js';

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys to values',
  record: 'a mapping of keys to values',
};

function describeInput(input: unknown): string {
  if (input === null) return 'empty (null)';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return 'text';
  if (typeof input === 'number') return Number.isInteger(input) ? 'a whole number' : 'a number';
  if (typeof input === 'boolean') return 'true/false';
  if (typeof input === 'object') return 'a mapping';
  return typeof input;
}

function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 || n === 1n ? '' : 's'}`;
}

/**
 * Plain-words messages for zod's built-in issues. Values are never echoed (they may be secrets), except
 * when picking from a fixed list of allowed words.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}, not ${describeInput(issue.input)}`;
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'string')
        return min === 1 ? 'must not be empty' : `must be at least ${plural(min, 'character')}`;
      if (issue.origin === 'array') return `must have at least ${plural(min, 'item')}`;
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'string') return `must be at most ${plural(max, 'character')}`;
      if (issue.origin === 'array') return `must have at most ${plural(max, 'item')}`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => String(v));
      const guess = typeof issue.input === 'string' ? closestMatch(issue.input, allowed) : undefined;
      const choices = `must be one of: ${allowed.join(', ')}`;
      return guess === undefined ? choices : `${choices}; did you mean "${guess}"?`;
    }
    case 'unrecognized_keys':
      return 'unknown key';
    case 'invalid_format':
      return 'has the wrong format';
    default:
      return 'is not valid';
  }
};

/** The candidate schemas a wrapper (optional, default, pipe…) stands for. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType[] {
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault
  ) {
    return unwrap(schema._zod.def.innerType);
  }
  if (schema instanceof z.ZodPipe) return [...unwrap(schema._zod.def.in), ...unwrap(schema._zod.def.out)];
  return [schema];
}

/** Keys an object schema allows at `path`, for "did you mean" hints; undefined when unknown. */
export function knownKeysAt(root: z.core.$ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let candidates = unwrap(root);
  for (const segment of path) {
    const next: z.core.$ZodType[] = [];
    for (const schema of candidates) {
      if (schema instanceof z.ZodObject) {
        const child = (schema.shape as Record<string, z.core.$ZodType | undefined>)[String(segment)];
        if (child !== undefined) next.push(child);
      } else if (schema instanceof z.ZodRecord) next.push(schema._zod.def.valueType);
      else if (schema instanceof z.ZodArray) next.push(schema._zod.def.element);
    }
    candidates = next.flatMap(unwrap);
  }
  const object = candidates.find((schema) => schema instanceof z.ZodObject);
  return object instanceof z.ZodObject ? Object.keys(object.shape) : undefined;
}

function hintOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'custom') return undefined;
  const hint: unknown = issue.params?.hint;
  return typeof hint === 'string' ? hint : undefined;
}

/** One problem per issue, and one per unknown key (with a closest-match guess from the schema). */
export function zodIssuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  root: z.core.$ZodType,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(root, issue.path) ?? [];
      for (const key of issue.keys) {
        const guess = closestMatch(key, known);
        const problem: ConfigProblem = {
          path: formatKeyPath([...issue.path, key]),
          message: guess === undefined ? 'unknown key' : `unknown key; did you mean "${guess}"?`,
        };
        if (known.length > 0) problem.hint = `allowed here: ${known.join(', ')}`;
        problems.push(problem);
      }
      continue;
    }
    const problem: ConfigProblem = { path: formatKeyPath(issue.path), message: issue.message };
    const hint = hintOf(issue);
    if (hint !== undefined) problem.hint = hint;
    problems.push(problem);
  }
  return problems;
}
