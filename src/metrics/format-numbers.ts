/** Numbers for people: "1.2 %", "45 ms", "12.3 req/s", "p < 0.001". A missing value is "n/a". */

export function formatPercent(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return 'n/a';
  const pct = ratio * 100;
  if (pct === 0) return '0 %';
  const abs = Math.abs(pct);
  const digits = abs >= 10 ? 1 : abs >= 0.1 ? 1 : abs >= 0.01 ? 2 : 3;
  return `${trim(pct.toFixed(digits))} %`;
}

/** A difference of ratios, in percentage points, with its sign. */
export function formatPercentPoints(delta: number | null): string {
  if (delta === null || !Number.isFinite(delta)) return 'n/a';
  const pp = delta * 100;
  const abs = Math.abs(pp);
  const text = trim(abs.toFixed(abs >= 0.1 || abs === 0 ? 1 : 2));
  return `${pp > 0 ? '+' : pp < 0 ? '−' : '±'}${text} pp`;
}

export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a';
  if (Math.abs(ms) >= 10_000) return `${trim((ms / 1000).toFixed(1))} s`;
  if (Math.abs(ms) >= 100) return `${Math.round(ms)} ms`;
  return `${trim(ms.toFixed(Math.abs(ms) >= 10 ? 0 : 1))} ms`;
}

export function formatSignedMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a';
  const text = formatMs(Math.abs(ms));
  return ms > 0 ? `+${text}` : ms < 0 ? `−${text}` : `±${text}`;
}

export function formatRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return 'n/a';
  const abs = Math.abs(perSecond);
  const text = abs >= 100 ? String(Math.round(perSecond)) : trim(perSecond.toFixed(abs >= 1 ? 1 : 2));
  return `${text} req/s`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return 'n/a';
  return `×${trim(ratio.toFixed(2))}`;
}

export function formatPValue(p: number | null): string {
  if (p === null || Number.isNaN(p)) return 'p n/a';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${trim(p.toFixed(3))}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${trim((seconds / 60).toFixed(1))} min`;
  return `${trim((seconds / 3600).toFixed(1))} h`;
}

function trim(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
