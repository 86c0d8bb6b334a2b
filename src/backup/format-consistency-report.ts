import { clipText } from '../clip-text.js';
import { formatCount } from '../metrics/format-numbers.js';
import type { ConsistencyReport, TableConsistency, TableDifference } from './consistency-report.js';

const KIND_LABEL: Record<TableDifference['kind'], string> = {
  changed: 'changed',
  missing_in_y: 'missing in Y',
  extra_in_y: 'only in Y',
};

function clip(text: string, max: number): string {
  // Backticks would end the inline code early; keys are data, not markup.
  return clipText(text.replace(/`/g, "'").replace(/\s+/g, ' '), max);
}

/** `2 changed, 1 missing in Y` from the listed differences (the count covers the unlisted ones too). */
function kindsOf(t: TableConsistency): string {
  const counts = new Map<string, number>();
  for (const d of t.differences) counts.set(KIND_LABEL[d.kind], (counts.get(KIND_LABEL[d.kind]) ?? 0) + 1);
  const listed = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  const unlisted = t.differenceCount - t.differences.length;
  return unlisted > 0 ? `${listed}${listed ? ', ' : ''}${unlisted} more not listed` : listed;
}

/** One line per differing table for a failure message: the table and its first keys. */
export function describeTableDifference(t: TableConsistency, maxKeys = 3): string {
  if (t.method === 'missing') return `${t.table} (${t.note ?? 'missing on one side'})`;
  if (t.differences.length === 0) {
    return `${t.table} (X ${formatCount(t.xRows)} rows, Y ${formatCount(t.yRows)} rows${t.method === 'whole-table' ? ', contents differ; no primary key to name rows' : ''})`;
  }
  const keys = t.differences
    .slice(0, maxKeys)
    .map((d) => `key ${clip(d.key, 60)} ${KIND_LABEL[d.kind]}`)
    .join(', ');
  const more = t.differenceCount > maxKeys ? `, ${t.differenceCount - maxKeys} more` : '';
  return `${t.table} (${keys}${more})`;
}

/**
 * The consistency check for the thread: a verdict line, then per differing table its row counts
 * and differing keys, then what is information only (rows and tables Y's migrations changed),
 * then what was not compared (left-out tables, one-sided columns, tables without a key).
 */
export function formatConsistencyReport(report: ConsistencyReport, maxKeysPerTable = 10): string {
  const compared = report.tables.filter((t) => t.onlyIn === undefined);
  const total = compared.length;
  const differing = compared.filter((t) => !t.equal);
  const rows = compared.reduce((n, t) => n + t.xRows, 0);
  const keys = report.compare === 'keys';
  const lines: string[] = [];
  if (total === 0) {
    lines.push('*Consistency X vs Y:* ⚠️ neither database has any table in its public schema.');
  } else if (differing.length === 0) {
    lines.push(
      keys
        ? `*Consistency X vs Y:* ✅ all ${total} tables hold the same rows (${formatCount(rows)} rows in X; Y's schema was migrated, so rows were compared by primary key and count, not content).`
        : `*Consistency X vs Y:* ✅ all ${total} tables are equal (${formatCount(rows)} rows in X, compared by row count and content checksum).`,
    );
  } else {
    lines.push(
      `*Consistency X vs Y:* ❌ ${differing.length} of ${total} tables differ (${total - differing.length} equal; ${formatCount(rows)} rows in X${keys ? "; compared by primary key and count since Y's schema was migrated" : ''}).`,
    );
  }
  for (const t of differing) lines.push(...differingLines(t, maxKeysPerTable));
  lines.push(...informationLines(report));
  const excluded = report.excluded ?? [];
  if (excluded.length > 0) {
    lines.push(
      `_Not compared, Kong's own bookkeeping (migrations and running nodes rewrite it): ${excluded.join(', ')}._`,
    );
  }
  const oneSided = report.tables.filter((t) => t.ignoredColumns.length > 0);
  if (oneSided.length > 0) {
    lines.push(
      `_Columns on one side only, not compared: ${oneSided.map((t) => `${t.table} (${t.ignoredColumns.join(', ')})`).join('; ')}._`,
    );
  }
  const keyless = compared.filter((t) => t.equal && t.method === 'whole-table');
  if (keyless.length > 0) {
    lines.push(
      keys
        ? `_Without a primary key, compared by row count only: ${keyless.map((t) => t.table).join(', ')}._`
        : `_Without a primary key, compared by count and whole-table checksum only: ${keyless.map((t) => t.table).join(', ')}._`,
    );
  }
  return lines.join('\n');
}

function differingLines(t: TableConsistency, maxKeysPerTable: number): string[] {
  const counts = `X ${formatCount(t.xRows)} rows, Y ${formatCount(t.yRows)} rows`;
  if (t.method === 'missing') return [`• \`${t.table}\`: ${t.note ?? 'missing on one side'} (${counts})`];
  const kinds = kindsOf(t);
  const lines = [`• \`${t.table}\` (${counts})${kinds ? `: ${kinds}` : ''}`];
  for (const d of t.differences.slice(0, maxKeysPerTable)) {
    lines.push(`    – key \`${clip(d.key, 120)}\` ${KIND_LABEL[d.kind]}`);
  }
  const hidden = t.differenceCount - Math.min(t.differences.length, maxKeysPerTable);
  if (hidden > 0) lines.push(`    – …and ${formatCount(hidden)} more`);
  if (t.method === 'whole-table') lines.push(`    – ${t.note ?? 'no primary key: rows cannot be named'}`);
  return lines;
}

/** What Y's migrations changed, which is expected and does not fail the check. */
function informationLines(report: ConsistencyReport): string[] {
  const lines: string[] = [];
  for (const t of report.tables) {
    const changed = t.changedCount ?? 0;
    if (t.onlyIn !== undefined || changed === 0) continue;
    if (t.method === 'whole-table') {
      lines.push(
        `ℹ️ Differs after Y's migrations ran: the contents of \`${t.table}\` (no primary key to name rows).`,
      );
      continue;
    }
    const sample = (t.changedKeys ?? []).slice(0, 3).map((k) => `\`${clip(k, 60)}\``);
    const more = changed > sample.length ? ', …' : '';
    lines.push(
      `ℹ️ Differ after Y's migrations ran: ${plural(changed, 'row')} in \`${t.table}\`${sample.length > 0 ? ` (keys ${sample.join(', ')}${more})` : ''}${t.changedColumns?.length ? `; columns changed: ${t.changedColumns.map((c) => `\`${c}\``).join(', ')}` : ''}.`,
    );
  }
  const added = report.tables.filter((t) => t.onlyIn === 'y');
  if (added.length > 0) {
    lines.push(
      `ℹ️ New in Y's schema: ${added.map((t) => `\`${t.table}\` (${plural(t.yRows, 'row')})`).join(', ')}.`,
    );
  }
  const dropped = report.tables.filter((t) => t.onlyIn === 'x');
  if (dropped.length > 0) {
    lines.push(
      `ℹ️ Not in Y's schema (dropped by its migrations): ${dropped.map((t) => `\`${t.table}\` (${plural(t.xRows, 'row')} in X)`).join(', ')}.`,
    );
  }
  return lines;
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}
