import { Resvg } from '@resvg/resvg-js';
import type { FocusRoute } from './focus-route.js';

/** One time of one panel: X's and Y's value (null: no data). */
interface PanelPoint {
  at: Date;
  x: number | null;
  y: number | null;
}

/** One comparison window of the run, for the chart. null = no data in that window. */
export interface ChartSample {
  at: Date;
  x: { errorRatio: number | null; p95: number | null };
  y: { errorRatio: number | null; p95: number | null };
}

/** A traffic step: `weight` % to Y from `at`. */
export interface ChartStep {
  at: Date;
  weight: number;
}

/**
 * An event marked on the time axis: a gate offered (`gate`), a rollback asked for (`rollback_gate`),
 * a rollback carried out (`rollback`).
 */
export interface ChartMark {
  at: Date;
  kind: 'gate' | 'rollback_gate' | 'rollback';
  label: string;
}

const WIDTH = 900;
const HEIGHT = 560;
const MARGIN = { left: 70, right: 24, top: 56, bottom: 36 };
const PANEL_GAP = 48;
const COLOURS = {
  x: '#2563eb',
  y: '#ea580c',
  grid: '#e5e7eb',
  axis: '#6b7280',
  text: '#111827',
  step: '#9ca3af',
  gate: '#7c3aed',
  rollback: '#dc2626',
};
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** X vs Y over the run as a PNG: 5xx ratio on top, p95 latency below, traffic steps as markers. */
export function renderComparisonChart(
  samples: readonly ChartSample[],
  steps: readonly ChartStep[],
  marks: readonly ChartMark[] = [],
  focus: FocusRoute | null = null,
): Buffer {
  const svg = comparisonChartSvg(samples, steps, marks, focus);
  const png = new Resvg(svg, {
    fitTo: { mode: 'width', value: WIDTH },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return Buffer.from(png);
}

/** The chart as SVG text (exported so it can be checked without rasterising). */
export function comparisonChartSvg(
  samples: readonly ChartSample[],
  steps: readonly ChartStep[],
  marks: readonly ChartMark[] = [],
  focus: FocusRoute | null = null,
): string {
  const sorted = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
  const times = [
    ...sorted.map((s) => s.at.getTime()),
    ...steps.map((s) => s.at.getTime()),
    ...marks.map((m) => m.at.getTime()),
  ];
  let t0 = times.length > 0 ? Math.min(...times) : 0;
  let t1 = times.length > 0 ? Math.max(...times) : 60_000;
  if (t1 - t0 < 60_000) {
    t0 -= 30_000;
    t1 += 30_000;
  }
  const panelHeight = (HEIGHT - MARGIN.top - MARGIN.bottom - PANEL_GAP) / 2;
  // A failing route gets a third panel of its own, below the two of the whole cluster.
  const height = focus ? HEIGHT + panelHeight + PANEL_GAP : HEIGHT;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const xOf = (t: number) => MARGIN.left + ((t - t0) / (t1 - t0)) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    text(MARGIN.left, 26, 'X vs Y over the run', { size: 16, weight: 'bold' }),
    legend(WIDTH - MARGIN.right - 190, 20),
  ];
  const percent = (v: number) => `${trim(v * 100)} %`;
  const panels: { title: string; data: PanelPoint[]; fmt: (v: number) => string; floor: number }[] = [
    // The axis follows the data; an all-zero 5xx panel still shows 0–1 %, not 0–50 %.
    {
      title: '5xx ratio',
      data: sorted.map((s) => ({ at: s.at, x: s.x.errorRatio, y: s.y.errorRatio })),
      fmt: percent,
      floor: 0.01,
    },
    {
      title: 'p95 latency',
      data: sorted.map((s) => ({ at: s.at, x: s.x.p95, y: s.y.p95 })),
      fmt: (v: number) => `${trim(v)} ms`,
      floor: 10,
    },
    ...(focus
      ? [
          {
            title: `failing ${focus.label.slice(0, 80)}: 5xx + 404 ratio`,
            data: [...focus.points].sort((a, b) => a.at.getTime() - b.at.getTime()),
            fmt: percent,
            floor: 0.01,
          },
        ]
      : []),
  ];
  panels.forEach((panel, i) => {
    const top = MARGIN.top + i * (panelHeight + PANEL_GAP);
    const values = panel.data.flatMap((s) => [s.x, s.y]).filter(isFiniteNumber);
    const ticks = niceTicks(0, Math.max(...values, panel.floor));
    const max = ticks[ticks.length - 1] ?? 1;
    const yOf = (v: number) => top + panelHeight - (v / max) * panelHeight;
    parts.push(text(MARGIN.left, top - 8, panel.title, { size: 13, weight: 'bold' }));
    for (const tick of ticks) {
      const y = yOf(tick);
      parts.push(line(MARGIN.left, y, MARGIN.left + plotWidth, y, COLOURS.grid));
      parts.push(
        text(MARGIN.left - 8, y + 4, panel.fmt(tick), { size: 11, anchor: 'end', fill: COLOURS.axis }),
      );
    }
    parts.push(
      line(MARGIN.left, top + panelHeight, MARGIN.left + plotWidth, top + panelHeight, COLOURS.axis),
    );
    parts.push(line(MARGIN.left, top, MARGIN.left, top + panelHeight, COLOURS.axis));
    for (const step of steps) {
      const x = xOf(step.at.getTime());
      parts.push(line(x, top, x, top + panelHeight, COLOURS.step, '4 3'));
      if (i === 0)
        parts.push(text(x + 3, top + 12, `${step.weight} % → Y`, { size: 11, fill: COLOURS.axis }));
    }
    for (const mark of marks) {
      const x = xOf(mark.at.getTime());
      const colour = mark.kind === 'gate' ? COLOURS.gate : COLOURS.rollback;
      parts.push(
        `<line x1="${f(x)}" y1="${f(top)}" x2="${f(x)}" y2="${f(top + panelHeight)}" stroke="${colour}" stroke-width="${mark.kind === 'rollback' ? 2 : 1}" stroke-dasharray="2 3" data-mark="${mark.kind}"/>`,
      );
      if (i === 0) {
        // A small flag above the panel: ▼ for a gate, ✕-red for a rollback.
        parts.push(
          `<path d="M ${f(x - 5)} ${f(top - 2)} L ${f(x + 5)} ${f(top - 2)} L ${f(x)} ${f(top + 6)} Z" fill="${colour}" data-mark="${mark.kind}"/>`,
        );
        parts.push(text(x + 4, top + panelHeight - 6, mark.label, { size: 10, fill: colour }));
      }
    }
    // Y first, then X on top, dashed with markers: equal values leave both visible.
    for (const side of ['y', 'x'] as const) {
      const points = panel.data.map((s) => {
        const v = s[side];
        return isFiniteNumber(v) ? { x: xOf(s.at.getTime()), y: yOf(v) } : null;
      });
      parts.push(series(points, COLOURS[side], side === 'x'));
    }
    if (values.length === 0) {
      parts.push(
        text(MARGIN.left + plotWidth / 2, top + panelHeight / 2, 'no data yet', {
          anchor: 'middle',
          fill: COLOURS.axis,
        }),
      );
    }
  });
  const bottom = height - MARGIN.bottom;
  const tickTimes = timeTicks(t0, t1);
  const withSeconds = tickTimes.length > 1 && ((tickTimes[1] ?? 0) - (tickTimes[0] ?? 0)) % 60_000 !== 0;
  for (const t of tickTimes) {
    parts.push(
      text(xOf(t), bottom + 18, new Date(t).toISOString().slice(11, withSeconds ? 19 : 16), {
        size: 11,
        anchor: 'middle',
        fill: COLOURS.axis,
      }),
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * A line broken where data is missing; a lone point becomes a dot. `marked`: dashed, with a ring at
 * every point (X's line, drawn over Y's so that equal values do not hide it).
 */
function series(points: ({ x: number; y: number } | null)[], colour: string, marked = false): string {
  const out: string[] = [];
  let run: { x: number; y: number }[] = [];
  const flush = () => {
    if (run.length === 1 && run[0])
      out.push(`<circle cx="${f(run[0].x)}" cy="${f(run[0].y)}" r="3.5" fill="${colour}"/>`);
    else if (run.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2"${marked ? ' stroke-dasharray="6 4"' : ''} points="${run.map((p) => `${f(p.x)},${f(p.y)}`).join(' ')}"/>`,
      );
      if (marked) {
        for (const p of run)
          out.push(
            `<circle cx="${f(p.x)}" cy="${f(p.y)}" r="2.5" fill="white" stroke="${colour}" stroke-width="1.5"/>`,
          );
      }
    }
    run = [];
  };
  for (const p of points) {
    if (p) run.push(p);
    else flush();
  }
  flush();
  return out.join('\n');
}

function legend(x: number, y: number): string {
  return [
    line(x, y, x + 22, y, COLOURS.x, '6 4', 3),
    text(x + 28, y + 4, 'X (old)', { size: 12 }),
    line(x + 100, y, x + 122, y, COLOURS.y, undefined, 3),
    text(x + 128, y + 4, 'Y (new)', { size: 12 }),
  ].join('\n');
}

/** 0 … ≥ max in 1-2-5 steps, about five ticks. */
export function niceTicks(min: number, max: number): number[] {
  const span = max > min ? max - min : max > 0 ? max : 1;
  const raw = span / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = min; v < max + step * 0.999 || ticks.length < 2; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function timeTicks(t0: number, t1: number): number[] {
  const span = t1 - t0;
  const minute = 60_000;
  // Seconds for a short run (the sandbox's take a minute or two), so the axis has several labels.
  const step =
    [1 / 6, 1 / 4, 1 / 2, 1, 2, 5, 10, 15, 30, 60, 120, 240]
      .map((m) => m * minute)
      .find((s) => span / s <= 6) ?? span / 6;
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks;
}

function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke: string,
  dash?: string,
  width = 1,
): string {
  return `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function text(
  x: number,
  y: number,
  content: string,
  o: { size?: number; weight?: string; anchor?: string; fill?: string } = {},
): string {
  return `<text x="${f(x)}" y="${f(y)}" font-size="${o.size ?? 12}"${o.weight ? ` font-weight="${o.weight}"` : ''} text-anchor="${o.anchor ?? 'start'}" fill="${o.fill ?? COLOURS.text}">${escapeXml(content)}</text>`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function isFiniteNumber(v: number | null): v is number {
  return v !== null && Number.isFinite(v);
}

function f(n: number): string {
  return n.toFixed(1);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}
