import type { NewMetricSample } from '../store/metric-sample-store.js';
import type { WindowSummary } from './window-stats.js';

/** One cluster's window as stored in `metric_samples` (the chart and the reports read it back). */
export function sampleOf(
  runId: string,
  cluster: 'x' | 'y',
  window: { start: Date; end: Date },
  s: WindowSummary,
): Omit<NewMetricSample, 'verdict' | 'details'> {
  return {
    runId,
    cluster,
    windowStart: window.start,
    windowEnd: window.end,
    requests: s.requests,
    errors5xx: s.status5xx,
    errors4xx: s.status4xx,
    p50: s.p50,
    p95: s.p95,
    p99: s.p99,
    rate: s.requestRate,
  };
}
