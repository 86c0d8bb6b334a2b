/**
 * false alarms (stalls) (docs/contract.md#performance-targets): healthy runs in which latency is
 * autocorrelated (a slowly wandering factor per node, as GC, noisy neighbours and cold caches make it)
 * and one node of each cluster stalls 300 ms for 2 s every minute, at its own moment. Windows are
 * short (10 s) so that a stall on one side weighs in a window. Target: no rollback gate. Then Y's
 * latency doubles for good: a rollback gate within 2 intervals. Seeded.
 * Run: npx tsx bench/stall-statistics.ts
 */
import { pathToFileURL } from 'node:url';
import { type ComparisonThresholds, compareWindows, failingRows } from '../src/metrics/compare-windows.js';
import type { Bucket } from '../src/metrics/histogram-quantile.js';
import { judgeStep, type StepEvidence } from '../src/metrics/judge-step.js';
import type { WindowStats } from '../src/metrics/window-stats.js';
import type { BenchResult } from './support/bench-result.js';
import { prng, standardNormal } from './support/simulate.js';

const THRESHOLDS: ComparisonThresholds = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
const BOUNDS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];
const INTERVAL_SECONDS = 30;
const REQUESTS_PER_SECOND = 1000;
const Y_SHARE = 0.5;
const NODES = 2;
const HEALTHY_SECONDS = 1800;
const STALL_MS = 300;
const STALL_SECONDS = 2;

interface Node {
  /** log-latency offset, AR(1) per second. */
  drift: number;
  /** second within each minute at which this node stalls, or null for a node that never does. */
  stallAt: number | null;
}

function clusterNodes(random: () => number): Node[] {
  return Array.from({ length: NODES }, (_, i) => ({
    drift: 0,
    stallAt: i === 0 ? Math.floor(random() * 60) : null,
  }));
}

/** One second of one cluster's traffic into per-bucket counts. */
function second(
  random: () => number,
  nodes: Node[],
  t: number,
  requests: number,
  slowdown: number,
  into: number[],
) {
  for (const node of nodes) node.drift = 0.95 * node.drift + 0.02 * standardNormal(random);
  for (let i = 0; i < requests; i++) {
    const node = nodes[Math.floor(random() * nodes.length)] ?? { drift: 0, stallAt: null };
    const stalled = node.stallAt !== null && (t - node.stallAt + 60) % 60 < STALL_SECONDS;
    const ms = slowdown * 60 * Math.exp(0.5 * standardNormal(random) + node.drift) + (stalled ? STALL_MS : 0);
    let b = 0;
    while (b < BOUNDS.length && ms > (BOUNDS[b] ?? 0)) b++;
    into[b] = (into[b] ?? 0) + 1;
  }
}

function window(perBucket: number[]): WindowStats {
  const latency: Bucket[] = [];
  let cumulative = 0;
  for (let b = 0; b <= BOUNDS.length; b++) {
    cumulative += perBucket[b] ?? 0;
    latency.push({ le: BOUNDS[b] ?? Number.POSITIVE_INFINITY, count: cumulative });
  }
  return {
    seconds: INTERVAL_SECONDS,
    requests: cumulative,
    status5xx: 0,
    status4xx: 0,
    latency,
    latencyMetric: 'kong_request_latency_ms',
  };
}

/** A run; `slowFrom` (seconds) doubles Y's latency from then on. Returns failing windows (index, reasons). */
function simulate(random: () => number, seconds: number, slowFrom: number | null) {
  const x = clusterNodes(random);
  const y = clusterNodes(random);
  let evidence: StepEvidence | null = null;
  const fails: { window: number; reasons: string[] }[] = [];
  const rawFailing: number[] = [];
  let rawFails = 0;
  for (let w = 0; w * INTERVAL_SECONDS < seconds; w++) {
    const bx: number[] = [];
    const by: number[] = [];
    for (let s = 0; s < INTERVAL_SECONDS; s++) {
      const t = w * INTERVAL_SECONDS + s;
      second(random, x, t, Math.round(REQUESTS_PER_SECOND * (1 - Y_SHARE)), 1, bx);
      second(
        random,
        y,
        t,
        Math.round(REQUESTS_PER_SECOND * Y_SHARE),
        slowFrom !== null && t >= slowFrom ? 2 : 1,
        by,
      );
    }
    const wx = window(bx);
    const wy = window(by);
    const raw = compareWindows(wx, wy, THRESHOLDS);
    if (raw.verdict === 'fail') {
      rawFails++;
      rawFailing.push(w);
    }
    const judged = judgeStep(raw, wx, wy, wx, evidence, { stepIndex: 0, weight: 50, steps: 4 });
    evidence = judged.evidence;
    if (judged.comparison.verdict === 'fail')
      fails.push({ window: w, reasons: failingRows(judged.comparison).map((r) => r.reason) });
  }
  return { fails, rawFails, rawFailing };
}

export async function run(
  options: { healthyRuns?: number; regressionRuns?: number } = {},
): Promise<BenchResult> {
  const healthyRuns = options.healthyRuns ?? 20;
  const regressionRuns = options.regressionRuns ?? 20;
  const random = prng(300_2);
  let gates = 0;
  let rawFails = 0;
  const examples: string[] = [];
  for (let r = 0; r < healthyRuns; r++) {
    const out = simulate(random, HEALTHY_SECONDS, null);
    if (out.fails.length > 0) gates++;
    rawFails += out.rawFails;
    if (out.fails[0] && examples.length < 3) examples.push(...(out.fails[0].reasons ?? []));
  }
  // Intervals from the start of the regression to the rollback gate, and to the first window that
  // fails on its own (what the comparison alone, without persistence, would have done).
  const intervalsToCatch: number[] = [];
  const intervalsToRawFail: number[] = [];
  const slowFrom = 300;
  const startWindow = slowFrom / INTERVAL_SECONDS;
  for (let r = 0; r < regressionRuns; r++) {
    const out = simulate(random, slowFrom + 8 * INTERVAL_SECONDS, slowFrom);
    const first = out.fails.find((f) => f.window >= startWindow);
    const early = out.fails.some((f) => f.window < startWindow);
    intervalsToCatch.push(first && !early ? first.window - startWindow + 1 : Number.POSITIVE_INFINITY);
    const raw = out.rawFailing.find((w) => w >= startWindow);
    intervalsToRawFail.push(raw === undefined ? Number.POSITIVE_INFINITY : raw - startWindow + 1);
  }
  const worst = Math.max(...intervalsToCatch);
  const median = [...intervalsToCatch].sort((a, b) => a - b)[Math.floor(intervalsToCatch.length / 2)];
  // What persistence costs over the first window that fails on its own (for the record).
  const persistenceCost = Math.max(...intervalsToCatch.map((n, i) => n - (intervalsToRawFail[i] ?? 0)));
  return {
    name: 'stall-statistics',
    ratio: worst,
    measured: `${gates}/${healthyRuns} healthy runs with a gate (${rawFails} single slow windows held back); ×2 latency caught in median ${median}, worst ${worst} intervals`,
    target:
      'no rollback gate in healthy runs with stalls and autocorrelated latency; a sustained ×2 latency on Y caught within 2 intervals',
    ok: gates === 0 && worst <= 2,
    details: {
      healthyRuns,
      runsWithGate: gates,
      singleSlowWindowsHeldBack: rawFails,
      examples,
      regressionRuns,
      intervalsToCatch: { median, worst, each: intervalsToCatch.join(' ') },
      intervalsToFirstFailingWindow: intervalsToRawFail.join(' '),
      persistenceCostIntervals: persistenceCost,
      setup: `${REQUESTS_PER_SECOND} req/s, Y ${Y_SHARE * 100} %, ${NODES} nodes per cluster, ${INTERVAL_SECONDS} s windows, ${HEALTHY_SECONDS} s healthy runs, one node per cluster stalls ${STALL_MS} ms for ${STALL_SECONDS} s every minute`,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `stall-statistics: ${result.ok ? 'OK' : 'MISSED TARGET'} in ${Math.round(performance.now() - started)} ms`,
  );
  if (!result.ok) process.exitCode = 1;
}
