import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/domain/run-event.js';
import { chartMarksFrom } from '../../src/metrics/chart-marks.js';
import { focusRoute, storedRoutes } from '../../src/metrics/focus-route.js';
import {
  type ChartSample,
  comparisonChartSvg,
  niceTicks,
  renderComparisonChart,
} from '../../src/metrics/render-chart.js';

const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 12, minute));
const sample = (
  minute: number,
  xe: number | null,
  ye: number | null,
  xp: number | null,
  yp: number | null,
): ChartSample => ({
  at: at(minute),
  x: { errorRatio: xe, p95: xp },
  y: { errorRatio: ye, p95: yp },
});

describe('comparisonChartSvg', () => {
  it('draws X and Y lines in both panels, step markers with labels, and time ticks', () => {
    const samples = Array.from({ length: 20 }, (_, i) => sample(i, 0.002, i > 15 ? 0.03 : 0.002, 120, 130));
    const svg = comparisonChartSvg(samples, [
      { at: at(0), weight: 5 },
      { at: at(10), weight: 25 },
    ]);
    expect(svg.match(/<polyline[^>]*stroke="#2563eb"/g)).toHaveLength(2);
    expect(svg.match(/<polyline[^>]*stroke="#ea580c"/g)).toHaveLength(2);
    expect(svg).toContain('5 % → Y');
    expect(svg).toContain('25 % → Y');
    expect(svg.match(/stroke="#9ca3af"[^>]*stroke-dasharray="4 3"/g)).toHaveLength(4);
    expect(svg).toContain('>12:10<');
    expect(svg).toContain('>5xx ratio<');
    expect(svg).toContain('>p95 latency<');
    expect(svg).toContain('>X (old)<');
    expect(svg).toContain('>3 %<'); // the Y spike sets the scale
    expect(svg).not.toContain('NaN');
  });

  it('copes with no samples, one sample, and gaps', () => {
    const empty = comparisonChartSvg([], []);
    expect(empty.match(/no data yet/g)).toHaveLength(2);
    expect(empty).not.toContain('NaN');
    const one = comparisonChartSvg([sample(0, 0.001, 0.002, 50, 60)], [{ at: at(0), weight: 5 }]);
    expect(one.match(/<circle/g)).toHaveLength(4);
    expect(one).not.toContain('<polyline');
    expect(one).not.toContain('NaN');
    const gap = comparisonChartSvg(
      [sample(0, 0, 0, 50, 60), sample(1, 0, null, 50, null), sample(2, 0, 0, 50, 60)],
      [],
    );
    expect(gap.match(/<circle[^>]*fill="#ea580c"/g)).toHaveLength(4); // Y broken into single points
    expect(gap).not.toContain('NaN');
  });
});

describe('comparisonChartSvg of a run with a rollback', () => {
  // A short run as the sandbox makes: 10-second windows, a gate, a step, Y failing, a rollback.
  const atS = (second: number) => new Date(Date.UTC(2025, 2, 1, 12, 0, second));
  const samples = Array.from({ length: 12 }, (_, i) => ({
    at: atS(10 + i * 10),
    x: { errorRatio: 0, p95: 120 },
    y: { errorRatio: i >= 8 ? 0.2 : 0, p95: 120 },
  }));
  const marks = [
    { at: atS(5), kind: 'gate' as const, label: '5 % gate' },
    { at: atS(95), kind: 'rollback_gate' as const, label: 'rollback asked' },
    { at: atS(110), kind: 'rollback' as const, label: 'rolled back' },
  ];
  const svg = comparisonChartSvg(samples, [{ at: atS(10), weight: 5 }], marks);

  it('marks the gate, the rollback request and the rollback on the time axis', () => {
    expect(svg.match(/<line[^>]*data-mark="gate"/g)).toHaveLength(2);
    expect(svg.match(/<line[^>]*data-mark="rollback_gate"/g)).toHaveLength(2);
    expect(svg.match(/<line[^>]*stroke="#dc2626" stroke-width="2"[^>]*data-mark="rollback"/g)).toHaveLength(
      2,
    );
    expect(svg.match(/<path[^>]*data-mark=/g)).toHaveLength(3);
    for (const label of ['5 % gate', 'rollback asked', 'rolled back']) expect(svg).toContain(`>${label}<`);
  });

  it('keeps X visible where it equals Y: dashed, ringed points, drawn over Y', () => {
    const xLines = svg.match(/<polyline[^>]*stroke="#2563eb"[^>]*>/g) ?? [];
    expect(xLines).toHaveLength(2);
    for (const l of xLines) expect(l).toContain('stroke-dasharray="6 4"');
    expect(svg.match(/<circle[^>]*stroke="#2563eb"/g)).toHaveLength(24);
    expect(svg.lastIndexOf('stroke="#2563eb"')).toBeGreaterThan(
      svg.lastIndexOf('<polyline fill="none" stroke="#ea580c"'),
    );
  });

  it('scales the 5xx axis to the data, and labels time in seconds for a short run', () => {
    expect(svg).toContain('>20 %<');
    expect(svg).not.toContain('>50 %<');
    const healthy = comparisonChartSvg(samples.slice(0, 8), [], []);
    expect(healthy).toContain('>1 %<');
    expect(healthy).not.toContain('>50 %<');
    const labels = svg.match(/>\d\d:\d\d:\d\d</g) ?? [];
    expect(labels.length).toBeGreaterThanOrEqual(4);
  });

  it('rasterises to a PNG', () => {
    const png = renderComparisonChart(samples, [{ at: atS(10), weight: 5 }], marks);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(5000);
  });
});

describe('niceTicks', () => {
  it('covers the maximum in 1-2-5 steps from 0', () => {
    expect(niceTicks(0, 0.031)).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
    expect(niceTicks(0, 230)).toEqual([0, 100, 200, 300]);
    expect(niceTicks(0, 0)).toEqual([0, 0.5]);
  });
});

describe('chartMarksFrom', () => {
  const ev = (second: number, kind: string, details: Record<string, unknown>): RunEvent => ({
    id: second,
    runId: 'prod-7',
    at: new Date(Date.UTC(2025, 2, 1, 12, 0, second)),
    actor: 'bot',
    kind,
    phase: 'observing',
    details,
  });

  it('marks gates offered, rollbacks asked for and approved, from the audit events, in time order', () => {
    const marks = chartMarksFrom([
      ev(30, 'gate.approved', { kind: 'rollback', gateId: 'g3' }),
      ev(5, 'gate.requested', { gateKind: 'shift', targetWeight: 5 }),
      ev(6, 'gate.approved', { kind: 'shift', gateId: 'g1' }),
      ev(20, 'gate.requested', { gateKind: 'rollback', targetWeight: 0 }),
      ev(25, 'gate.refused', { kind: 'rollback' }),
      ev(40, 'gate.requested', { gateKind: 'complete', targetWeight: 100 }),
    ]);
    expect(marks.map((m) => [m.at.getUTCSeconds(), m.kind, m.label])).toEqual([
      [5, 'gate', '5 % gate'],
      [20, 'rollback_gate', 'rollback asked'],
      [30, 'rollback', 'rollback approved'],
      [40, 'gate', 'completion gate'],
    ]);
  });
});

describe('the failing route on the gate chart', () => {
  const row = (label: string, verdict: 'pass' | 'fail', y404: number) =>
    ({
      kind: 'route',
      workspace: 'default',
      service: 'orders',
      route: label,
      label: `route ${label} (service orders)`,
      x: { requests: 1000, status5xx: 1, status404: 2 },
      y: { requests: 100, status5xx: 0, status404: y404 },
      p5xx: null,
      p404: verdict === 'fail' ? 0.0001 : 0.5,
      verdict,
      reason: null,
    }) as const;

  it('follows the failing route of the newest window back over the run, in its own panel', () => {
    const windows = Array.from({ length: 6 }, (_, i) => ({
      at: at(i),
      routes: storedRoutes([
        row('users', 'pass', 0),
        row('orders-v2', i >= 4 ? 'fail' : 'pass', i >= 4 ? 40 : 0),
      ]),
    }));
    const focus = focusRoute(windows);
    expect(focus?.label).toBe('route orders-v2 (service orders)');
    expect(focus?.points.map((p) => p.y)).toEqual([0, 0, 0, 0, 0.4, 0.4]);
    expect(focus?.points[0]?.x).toBeCloseTo(0.003);
    const samples = Array.from({ length: 6 }, (_, i) => sample(i, 0.001, 0.001, 100, 100));
    const svg = comparisonChartSvg(samples, [{ at: at(0), weight: 5 }], [], focus);
    expect(svg).toContain('>failing route orders-v2 (service orders): 5xx + 404 ratio<');
    // Three panels: X and Y lines in each.
    expect(svg.match(/<polyline[^>]*stroke="#ea580c"/g)).toHaveLength(3);
    expect(svg).toContain('>40 %<'); // the route's own scale
    expect(svg).toMatch(/height="(\d+)"/);
    expect(Number(svg.match(/height="(\d+)"/)?.[1])).toBeGreaterThan(560);
    expect(renderComparisonChart(samples, [], [], focus).subarray(1, 4).toString()).toBe('PNG');
  });

  it('draws no route panel when no window had a failing route, or the stored routes are not readable', () => {
    expect(focusRoute([{ at: at(0), routes: storedRoutes([row('users', 'pass', 0)]) }])).toBeNull();
    expect(
      focusRoute([
        { at: at(0), routes: 'garbage' },
        { at: at(1), routes: undefined },
      ]),
    ).toBeNull();
    const svg = comparisonChartSvg([sample(0, 0, 0, 1, 1)], [], [], null);
    expect(svg).not.toContain('failing route');
  });
});
