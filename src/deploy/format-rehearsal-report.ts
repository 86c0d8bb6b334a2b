import { formatBytes } from '../backup/format-bytes.js';
import { clipText } from '../clip-text.js';
import { formatCount } from '../metrics/format-numbers.js';
import { NEVER_RERUN_WARNING, type RehearsalReport } from './rehearse-migrations.js';

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
const MAX_LISTED = 8;

function list(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

/** The rehearsal's result for the run's thread (mrkdwn): duration, largest tables, migrations, advice. */
export function formatRehearsalReport(report: RehearsalReport): string {
  const how =
    report.method === 'template'
      ? 'copied with CREATE DATABASE … TEMPLATE'
      : "restored from the run's backup";
  const state = (s: RehearsalReport['before']) =>
    s.bootstrapped ? `${s.executed.length} executed, ${s.pending.length} pending` : 'not bootstrapped';
  const tables = report.largestTables
    .map((t) => `${t.table} ${formatCount(t.rows)} rows (${formatBytes(t.bytes)})`)
    .join(', ');
  const pendingAfter =
    report.after.pending.length > 0 ? ` Pending after: ${list(report.after.pending)}.` : '';
  return [
    `✅ *Migration rehearsal passed in ${seconds(report.durationMs)}* on a scratch copy of Y's database (\`${report.database}\`, ${how} in ${seconds(report.copyMs)}; dropped afterwards). Y's own database was not touched.`,
    `*Largest tables:* ${tables || 'none'}`,
    `*Migrations:* before ${state(report.before)}; after ${state(report.after)}. The rehearsal ran ${report.ran.length}: ${clipText(list(report.ran), 600)}.${pendingAfter}`,
    `*Suggested for the real run:* \`--db-timeout ${report.suggested.dbTimeoutSeconds} --lock-timeout ${report.suggested.lockTimeoutSeconds}\` (from the measured ${report.steps.map((s) => seconds(s.durationMs)).join(' + ')}).`,
    `⚠️ ${NEVER_RERUN_WARNING}`,
  ].join('\n');
}
