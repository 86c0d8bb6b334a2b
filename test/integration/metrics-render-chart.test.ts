import { describe, expect, it } from 'vitest';
import { type ChartSample, renderComparisonChart } from '../../src/metrics/render-chart.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 12, minute));

function dimensions(png: Buffer): { width: number; height: number } {
  // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4).
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('renderComparisonChart (resvg)', () => {
  const many: ChartSample[] = Array.from({ length: 120 }, (_, i) => ({
    at: at(i),
    x: { errorRatio: 0.002, p95: 120 + (i % 7) },
    y: { errorRatio: i > 100 ? 0.03 : 0.0025, p95: 130 + (i % 5) },
  }));

  it.each([
    ['no samples', [] as ChartSample[]],
    ['one sample', many.slice(0, 1)],
    ['many samples', many],
  ])('renders a PNG with %s', (_name, samples) => {
    const png = renderComparisonChart(samples, [
      { at: at(0), weight: 5 },
      { at: at(60), weight: 25 },
    ]);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(dimensions(png)).toEqual({ width: 900, height: 560 });
    expect(png.length).toBeGreaterThan(5_000);
    expect(png.length).toBeLessThan(1_000_000);
  });

  it('draws something different when the data differ', () => {
    const calm = renderComparisonChart(many.slice(0, 100), []);
    const spike = renderComparisonChart(many, []);
    expect(calm.equals(spike)).toBe(false);
  });
});
