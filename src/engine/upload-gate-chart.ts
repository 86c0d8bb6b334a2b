import type { Run } from '../domain/run.js';
import { chartMarksFrom } from '../metrics/chart-marks.js';
import { type FocusRoute, focusRoute } from '../metrics/focus-route.js';
import { type ChartSample, renderComparisonChart } from '../metrics/render-chart.js';
import type { EngineDeps } from './engine-deps.js';

/**
 * At a gate, X vs Y over the whole run as a PNG in the thread (5xx ratio and p95, traffic steps,
 * gates and rollbacks marked). Nothing to draw before the first comparison window.
 */
export async function uploadGateChart(run: Run, deps: EngineDeps): Promise<boolean> {
  if (!run.threadTs) return false;
  const chart = await renderGateChart(run, deps);
  if (!chart) return false;
  await deps.notifier.upload({
    channel: run.channel,
    threadTs: run.threadTs,
    filename: chart.filename,
    title: chart.title,
    altText: chart.altText,
    data: chart.png,
  });
  return true;
}

/** The run's chart as a PNG with its file name, title and alt text; null before any window. */
export async function renderGateChart(
  run: Run,
  deps: Pick<EngineDeps, 'store'>,
): Promise<{ png: Buffer; filename: string; title: string; altText: string } | null> {
  const samples = await deps.store.samples.listSamples(run.id);
  const byWindow = new Map<string, ChartSample>();
  for (const s of samples) {
    const key = s.windowEnd.toISOString();
    const entry = byWindow.get(key) ?? {
      at: s.windowEnd,
      x: { errorRatio: null, p95: null },
      y: { errorRatio: null, p95: null },
    };
    entry[s.cluster] = { errorRatio: s.requests > 0 ? s.errors5xx / s.requests : null, p95: s.p95 };
    byWindow.set(key, entry);
  }
  if (byWindow.size === 0) return null;
  const events = await deps.store.events.listEvents(run.id);
  const steps = events
    .filter((e) => e.kind === 'traffic.weight_applied')
    .map((e) => ({ at: e.at, weight: Number(e.details.weight ?? 0) }));
  // A failing route (of the newest window that has one) gets its own panel, traced over the run.
  const focus = focusRoute(
    samples.filter((s) => s.cluster === 'y').map((s) => ({ at: s.windowEnd, routes: s.details.routes })),
  );
  const png = renderComparisonChart([...byWindow.values()], steps, chartMarksFrom(events), focus);
  return {
    png,
    filename: `${run.id}-x-vs-y.png`,
    title: `${run.id}: X vs Y (5xx ratio, p95 latency${focus ? `, failing ${focus.label}` : ''})`,
    altText: chartAltText(run, [...byWindow.values()], focus),
  };
}

/** What the chart shows, in words, for people who cannot see it (screen readers, text clients). */
export function chartAltText(run: Run, samples: ChartSample[], focus: FocusRoute | null = null): string {
  const last = samples.at(-1);
  const pct = (r: number | null | undefined) =>
    r === null || r === undefined ? 'no data' : `${(r * 100).toFixed(2)} %`;
  const ms = (v: number | null | undefined) =>
    v === null || v === undefined ? 'no data' : `${Math.round(v)} ms`;
  const latest = last
    ? ` Latest window: 5xx X ${pct(last.x.errorRatio)}, Y ${pct(last.y.errorRatio)}; p95 X ${ms(last.x.p95)}, Y ${ms(last.y.p95)}.`
    : '';
  const lastFocus = focus?.points.at(-1);
  const route = focus
    ? ` A third panel follows the failing ${focus.label}: 5xx + 404 ratio X ${pct(lastFocus?.x)}, Y ${pct(lastFocus?.y)} in the latest window.`
    : '';
  return `Chart of ${run.id}: 5xx ratio and p95 latency of cluster X and cluster Y over ${samples.length} comparison windows, with the traffic steps marked.${latest}${route}`.slice(
    0,
    2000,
  );
}
