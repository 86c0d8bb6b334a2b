import { describe, expect, it } from 'vitest';
import { type ChartSample, comparisonChartSvg, niceTicks } from '../../src/metrics/render-chart.js';

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
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(4);
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

describe('niceTicks', () => {
  it('covers the maximum in 1-2-5 steps from 0', () => {
    expect(niceTicks(0, 0.031)).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
    expect(niceTicks(0, 230)).toEqual([0, 100, 200, 300]);
    expect(niceTicks(0, 0)).toEqual([0, 0.5]);
  });
});
