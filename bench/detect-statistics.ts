/**
 * The statistical half of the detect benchmark (docs/contract.md#performance-targets): with a realistic split (200 req/s, 5 % on
 * Y, 60 s intervals, Kong's request-latency buckets), how often does a healthy Y fail the comparison
 * (target: never in 1,000 intervals), and how soon is a 3 % 5xx regression on Y caught (target: the
 * first interval)? Seeded, so every run prints the same numbers. Run: npx tsx bench/detect-statistics.ts
 */
import { pathToFileURL } from 'node:url';
import { type ComparisonThresholds, compareWindows } from '../src/metrics/compare-windows.js';
import type { Bucket } from '../src/metrics/histogram-quantile.js';
import type { WindowStats } from '../src/metrics/window-stats.js';
import type { BenchResult } from './support/bench-result.js';

const THRESHOLDS: ComparisonThresholds = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
const REQUESTS_PER_SECOND = 200;
const INTERVAL_SECONDS = 60;
const Y_SHARE = 0.05;
const BASE_5XX = 0.002;
const INJECTED_5XX = 0.03;
const HEALTHY_INTERVALS = 1000;
const DETECTION_TRIALS = 200;
const BOUNDS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];

/** mulberry32: small, fast, and good enough for a simulation. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency ~ lognormal, median 60 ms, σ 0.6 (p95 ≈ 160 ms), as a proxy plus upstream might show. */
function latencyMs(random: () => number): number {
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return 60 * Math.exp(0.6 * z);
}

function simulateCluster(random: () => number, requests: number, errorRatio: number): WindowStats {
  const perBucket = new Array<number>(BOUNDS.length + 1).fill(0);
  let errors = 0;
  for (let i = 0; i < requests; i++) {
    if (random() < errorRatio) errors++;
    const ms = latencyMs(random);
    let b = 0;
    while (b < BOUNDS.length && ms > (BOUNDS[b] ?? 0)) b++;
    perBucket[b] = (perBucket[b] ?? 0) + 1;
  }
  const latency: Bucket[] = [];
  let cumulative = 0;
  for (let b = 0; b <= BOUNDS.length; b++) {
    cumulative += perBucket[b] ?? 0;
    latency.push({ le: BOUNDS[b] ?? Number.POSITIVE_INFINITY, count: cumulative });
  }
  return {
    seconds: INTERVAL_SECONDS,
    requests,
    status5xx: errors,
    status4xx: 0,
    latency,
    latencyMetric: 'kong_request_latency_ms',
  };
}

function simulateInterval(random: () => number, yErrorRatio: number) {
  const total = REQUESTS_PER_SECOND * INTERVAL_SECONDS;
  let toY = 0;
  for (let i = 0; i < total; i++) if (random() < Y_SHARE) toY++;
  const x = simulateCluster(random, total - toY, BASE_5XX);
  const y = simulateCluster(random, toY, yErrorRatio);
  return compareWindows(x, y, THRESHOLDS);
}

export async function run(): Promise<BenchResult> {
  const random = prng(20250301);
  const verdicts = { pass: 0, warn: 0, fail: 0, insufficient_data: 0 };
  const failedRows: Record<string, number> = {};
  for (let i = 0; i < HEALTHY_INTERVALS; i++) {
    const c = simulateInterval(random, BASE_5XX);
    verdicts[c.verdict]++;
    for (const row of c.rows)
      if (row.verdict === 'fail') failedRows[row.metric] = (failedRows[row.metric] ?? 0) + 1;
  }
  // A regression appears on Y: count intervals until the first `fail`, over many independent trials.
  const intervalsToFail: number[] = [];
  for (let trial = 0; trial < DETECTION_TRIALS; trial++) {
    let n = 1;
    while (n <= 10 && simulateInterval(random, BASE_5XX + INJECTED_5XX).verdict !== 'fail') n++;
    intervalsToFail.push(n);
  }
  const firstTrial = intervalsToFail[0] ?? Number.NaN;
  const caughtFirst = intervalsToFail.filter((n) => n === 1).length;
  const worst = Math.max(...intervalsToFail);
  const ok = verdicts.fail === 0 && firstTrial === 1 && worst <= 2;
  return {
    name: 'detect-statistics',
    ratio: firstTrial,
    target: `0 fails in ${HEALTHY_INTERVALS} healthy intervals; a ${INJECTED_5XX * 100} % 5xx regression on Y fails in the first interval`,
    ok,
    details: {
      healthyIntervals: HEALTHY_INTERVALS,
      healthyVerdicts: verdicts,
      healthyFailingRows: failedRows,
      intervalsUntilFail: firstTrial,
      detectionTrials: DETECTION_TRIALS,
      caughtInFirstInterval: `${caughtFirst}/${DETECTION_TRIALS}`,
      worstIntervalsUntilFail: worst,
      setup: `${REQUESTS_PER_SECOND} req/s, ${Y_SHARE * 100} % on Y, ${INTERVAL_SECONDS} s intervals, base 5xx ${BASE_5XX * 100} %`,
      thresholds: THRESHOLDS,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `detect-statistics: ${result.ok ? 'OK' : 'MISSED TARGET'} in ${Math.round(performance.now() - started)} ms`,
  );
  if (!result.ok) process.exitCode = 1;
}
