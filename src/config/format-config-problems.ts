import type { ConfigProblem } from './config-problem.js';

/** One line per problem: `  - <path>: <message> (<hint>)`. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => `  - ${p.path}: ${p.message}${p.hint === undefined ? '' : ` (${p.hint})`}`)
    .join('\n');
}
