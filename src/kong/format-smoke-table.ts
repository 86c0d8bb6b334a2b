import { excerpt } from '../clip-text.js';
import type { SmokeObservation, SmokeResult } from './run-smoke-tests.js';

const MAX_NAME = 40;
const MAX_CELL = 24;

function clip(text: string, max: number): string {
  // Backticks would end the code block early.
  return excerpt(text.replace(/`/g, "'"), max);
}

function cell(o: SmokeObservation): string {
  if ('error' in o) return clip(`error: ${o.error}`, MAX_CELL);
  return o.bodyMatched === false ? `${o.status}, body ✗` : String(o.status);
}

function expectedCell(e: SmokeResult['expected']): string {
  return e.bodyContains === undefined
    ? String(e.status)
    : clip(`${e.status} + "${e.bodyContains}"`, MAX_CELL);
}

/**
 * The smoke results as Slack mrkdwn: a summary line, a monospace table (name | expected | X | Y | ✅/❌),
 * then a note per test X fails too and per error. Only names, statuses and errors are shown, never the
 * requests' header values (apikeys and tokens).
 */
export function formatSmokeTable(results: readonly SmokeResult[]): string {
  if (results.length === 0) return '*Smoke tests:* none configured (add `smokeTests` to the environment).';
  const rows = results.map((r) => [
    clip(r.name, MAX_NAME),
    expectedCell(r.expected),
    cell(r.x),
    cell(r.y),
    r.pass ? '✅' : '❌',
  ]);
  const header = ['name', 'expected', 'X', 'Y', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i] ?? 0) : c))
      .join(' | ')
      .trimEnd();
  const passed = results.filter((r) => r.pass).length;
  const out = [
    `*Smoke tests:* ${passed} of ${results.length} pass on Y`,
    '```',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    '```',
  ];
  for (const r of results) {
    if (r.xMismatch) {
      out.push(
        `⚠️ _${clip(r.name, MAX_NAME)}_: X does not meet the expectation either, so the test itself is probably wrong (check its path, key and expected status).`,
      );
    }
    for (const [side, o] of [
      ['X', r.x],
      ['Y', r.y],
    ] as const) {
      if ('error' in o) out.push(`• _${clip(r.name, MAX_NAME)}_ on ${side}: ${clip(o.error, 200)}`);
    }
  }
  return out.join('\n');
}
