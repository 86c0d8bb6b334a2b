import type { BenchResult } from './bench-result.js';

const COLUMNS = ['benchmark', 'measured', 'baseline', 'ratio', 'target', 'ok'] as const;

/** A detail like `oursMs: 1234` becomes `1234 ms`, for benches that do not set `measured`/`baseline`. */
function detailMs(details: Record<string, unknown>, pattern: RegExp): string | undefined {
  for (const [key, value] of Object.entries(details)) {
    if (pattern.test(key) && typeof value === 'number') return `${value} ms`;
  }
  return undefined;
}

export function measuredOf(result: BenchResult): string {
  return result.measured ?? detailMs(result.details, /^ours.*Ms$/) ?? '—';
}

export function baselineOf(result: BenchResult): string {
  return result.baseline ?? detailMs(result.details, /baseline.*Ms$/i) ?? '—';
}

function ratioText(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio}×` : '—';
}

/** One plain-text table, a row per benchmark, columns padded to line up in a terminal. */
export function formatBenchTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    measuredOf(r),
    baselineOf(r),
    ratioText(r.ratio),
    r.target,
    r.ok ? 'yes' : 'NO',
  ]);
  const all: string[][] = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(all[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One line per missed target saying what was measured against what was asked. */
export function missReasons(results: readonly BenchResult[]): string[] {
  return results
    .filter((r) => !r.ok)
    .map((r) => {
      const error = typeof r.details.error === 'string' ? r.details.error : undefined;
      if (error !== undefined) return `${r.name}: did not complete: ${error}`;
      const why = typeof r.details.why === 'string' ? ` (${r.details.why})` : '';
      return `${r.name}: missed its target "${r.target}": measured ${measuredOf(r)} vs baseline ${baselineOf(r)}, ratio ${ratioText(r.ratio)}${why}`;
    });
}
