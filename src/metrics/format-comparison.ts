import { busiestRoutes, failingRoutes, type RouteComparisonRow } from './compare-routes.js';
import type { Comparison, ComparisonRow, Verdict } from './compare-windows.js';
import {
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatPercentPoints,
  formatRate,
  formatRatio,
  formatSignedMs,
} from './format-numbers.js';
import type { WindowSummary } from './window-stats.js';

/** Unicode, so it reads the same in Slack text, code blocks, logs and the sandbox page. */
export const VERDICT_EMOJI: Record<Verdict, string> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌',
  insufficient_data: '⏳',
};

export const VERDICT_WORDS: Record<Verdict, string> = {
  pass: 'pass',
  warn: 'warning',
  fail: 'fail',
  insufficient_data: 'not enough data',
};

/** One row as display strings: for Block Kit fields or a table. */
export interface FormattedRow {
  metric: string;
  x: string;
  y: string;
  delta: string;
  verdict: Verdict;
  emoji: string;
  reason: string | null;
}

export function formatRow(row: ComparisonRow): FormattedRow {
  const value = (v: number | null) =>
    row.unit === 'ratio' ? formatPercent(v) : row.unit === 'ms' ? formatMs(v) : formatRate(v);
  let delta: string;
  if (row.unit === 'ratio') delta = formatPercentPoints(row.delta);
  else if (row.unit === 'ms')
    delta =
      row.ratio === null
        ? formatSignedMs(row.delta)
        : `${formatSignedMs(row.delta)} (${formatRatio(row.ratio)})`;
  else delta = row.delta === null ? 'n/a' : `${row.delta >= 0 ? '+' : '−'}${formatRate(Math.abs(row.delta))}`;
  return {
    metric: row.label,
    x: value(row.x),
    y: value(row.y),
    delta,
    verdict: row.verdict,
    emoji: VERDICT_EMOJI[row.verdict],
    reason: row.reason,
  };
}

export interface FormatComparisonOptions {
  start?: Date;
  end?: Date;
}

/**
 * The comparison as Slack mrkdwn: a headline with the overall verdict, the window and request
 * counts, then one line per metric (emoji, X, Y, Δ) and the reasons for anything not passing.
 */
export function formatComparison(c: Comparison, options: FormatComparisonOptions = {}): string {
  const window = options.start && options.end ? ` (${hhmm(options.start)}–${hhmm(options.end)} UTC)` : '';
  const lines = [
    `${VERDICT_EMOJI[c.verdict]} *X vs Y: ${VERDICT_WORDS[c.verdict]}* · window ${formatDuration(c.y.seconds || c.x.seconds)}${window} · X ${formatCount(c.x.requests)} requests${nodesNote(c.x)}, Y ${formatCount(c.y.requests)} requests${nodesNote(c.y)}`,
  ];
  for (const row of c.rows.map(formatRow)) {
    lines.push(`${row.emoji} *${row.metric}*: X ${row.x} · Y ${row.y} · Δ ${row.delta}`);
  }
  if (c.sequential) {
    const e = c.sequential.eValue;
    lines.push(
      `${VERDICT_EMOJI[c.sequential.verdict]} *5xx over this step*: X ${formatPercent(c.sequential.x)} · Y ${formatPercent(c.sequential.y)} · evidence ${e >= 1000 ? '> 1,000' : e.toFixed(1)} (fails at ${formatCount(Math.round(c.sequential.threshold))})`,
    );
  }
  const busiest = busiestRoutes(c.routes ?? []);
  if (busiest.length > 0) lines.push(`*Busiest routes*: ${busiest.map(routeFigures).join(' · ')}`);
  const reasons = [
    ...c.rows.filter((r) => r.verdict !== 'pass' && r.reason).map((r) => `• ${r.reason}`),
    ...(c.sequential?.reason ? [`• ${c.sequential.reason}`] : []),
    ...failingRoutes(c.routes ?? []).map((r) => `• ❌ ${r.reason}`),
  ];
  const unique = [...new Set(reasons)];
  if (unique.length > 0) lines.push(...unique);
  for (const note of c.coverage ?? []) lines.push(`• ${note}`);
  const xFailed = c.x.nodes && c.x.nodes.answered > 0 ? c.x.nodes.failed : [];
  if (xFailed.length > 0) lines.push(`• X: not scraped: ${xFailed.join(', ')}`);
  return lines.join('\n');
}

/** "route a (service s) X 1,200 · Y 60 req, 5xx X 0.1 % · Y 0 %": one busy route, compactly. */
function routeFigures(r: RouteComparisonRow): string {
  const ratio = (n: number, d: number) => formatPercent(d > 0 ? n / d : null);
  return `${r.label} X ${formatCount(r.x.requests)} / Y ${formatCount(r.y.requests)} req, 5xx X ${ratio(r.x.status5xx, r.x.requests)} / Y ${ratio(r.y.status5xx, r.y.requests)}`;
}

/** " (2 of 3 nodes)" for clusters of several nodes or with a node not read; nothing for one healthy node. */
function nodesNote(s: WindowSummary): string {
  const n = s.nodes;
  if (!n || (n.total <= 1 && n.answered === n.total)) return '';
  return ` (${n.answered} of ${n.total} node${n.total === 1 ? '' : 's'})`;
}

function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}
