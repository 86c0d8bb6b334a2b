import { clipText } from '../clip-text.js';
import { escapeMrkdwn } from '../domain/escape-mrkdwn.js';
import type { PreflightCheck } from './preflight-check.js';

export interface FormatPreflightOptions {
  /** Items shown per check before "and N more". Default 10. */
  maxItems?: number;
  /** Longest item shown, in characters. Default 200. */
  maxItemLength?: number;
}

const ICON: Record<PreflightCheck['status'], string> = { pass: '✅', warn: '⚠️', fail: '❌' };

/**
 * The checks as Slack mrkdwn lines: a summary, then per check its icon, title and detail, the remedy
 * and a bounded item list. Callers may split the lines across blocks (Slack limits a section to 3,000 chars).
 */
export function formatPreflightReport(
  checks: readonly PreflightCheck[],
  options: FormatPreflightOptions = {},
): string[] {
  const maxItems = options.maxItems ?? 10;
  const maxItemLength = options.maxItemLength ?? 200;
  const count = (s: PreflightCheck['status']) => checks.filter((c) => c.status === s).length;
  const fails = count('fail');
  const warns = count('warn');
  const verdict = fails > 0 ? 'blocked' : warns > 0 ? 'passed with warnings' : 'passed';
  const lines = [
    `*Preflight ${verdict}*: ${count('pass')} passed, ${warns} warning${warns === 1 ? '' : 's'}, ${fails} failed`,
  ];
  for (const c of checks) {
    lines.push(`${ICON[c.status]} *${escapeMrkdwn(c.title)}*: ${escapeMrkdwn(c.detail)}`);
    const items = c.items ?? [];
    for (const item of items.slice(0, maxItems))
      lines.push(`    • ${escapeMrkdwn(clipText(item, maxItemLength))}`);
    if (items.length > maxItems) lines.push(`    • …and ${items.length - maxItems} more`);
    if (c.remedy && c.status !== 'pass') lines.push(`    _What to do:_ ${escapeMrkdwn(c.remedy)}`);
  }
  return lines;
}
