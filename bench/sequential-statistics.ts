/**
 * false alarms (sequential) and detection power (docs/contract.md#performance-targets): healthy runs of
 * 4 steps × 10 minutes (Y at 5, 25, 50 and 100 %), 200 req/s, looked at after every 5 s scrape, X and Y
 * drawn from the same distributions (a base 5xx ratio that moves with time, shared by both); each
 * scrape goes through the window comparison and the step's sequential test (`judgeStep`), as the
 * compare job does. Target: at most 1 % of runs with any rollback gate, printed with its 95 %
 * confidence interval. Power: seconds until 3 % 5xx on Y at 5 % traffic fails (today's figure in
 * bench/README.md: the first 60 s interval). Seeded. Run: npx tsx bench/sequential-statistics.ts
 */
import { pathToFileURL } from 'node:url';
import { type ComparisonThresholds, compareWindows } from '../src/metrics/compare-windows.js';
import { judgeStep, type StepEvidence } from '../src/metrics/judge-step.js';
import type { WindowStats } from '../src/metrics/window-stats.js';
import type { BenchResult } from './support/bench-result.js';
import { binomial, prng, wilsonInterval } from './support/simulate.js';

const THRESHOLDS: ComparisonThresholds = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
const STEPS = [5, 25, 50, 100];
const STEP_SECONDS = 600;
const SCRAPE_SECONDS = 5;
const REQUESTS_PER_SECOND = 200;
const BASE_5XX = 0.002;
const INJECTED_5XX = 0.03;

function side(requests: number, errors: number): WindowStats {
  return {
    seconds: SCRAPE_SECONDS,
    requests,
    status5xx: errors,
    status4xx: 0,
    latency: [],
    latencyMetric: null,
  };
}

/** One step; returns the scrape (0-based) at which a rollback gate would be proposed, or null. */
function step(random: () => number, stepIndex: number, weight: number, yExtra: number, scrapes: number) {
  let evidence: StepEvidence | null = null;
  for (let i = 0; i < scrapes; i++) {
    const total = Math.round(REQUESTS_PER_SECOND * SCRAPE_SECONDS * (1 + 0.3 * Math.sin(i / 11)));
    // Shared upstream trouble now and then: both clusters see the same higher base ratio.
    const base = random() < 0.02 ? BASE_5XX * 10 : BASE_5XX;
    const nY = binomial(random, total, weight / 100);
    const nX = total - nY;
    const x = side(nX, binomial(random, nX, base));
    const y = side(nY, binomial(random, nY, base + yExtra));
    const judged = judgeStep(compareWindows(x, y, THRESHOLDS), x, y, x, evidence, {
      stepIndex,
      weight,
      steps: STEPS.length,
    });
    evidence = judged.evidence;
    if (judged.comparison.verdict === 'fail') return i;
  }
  return null;
}

export async function run(options: { runs?: number; powerTrials?: number } = {}): Promise<BenchResult> {
  const runs = options.runs ?? 10_000;
  const powerTrials = options.powerTrials ?? 200;
  const random = prng(5_2026);
  const scrapes = STEP_SECONDS / SCRAPE_SECONDS;
  let runsWithGate = 0;
  for (let r = 0; r < runs; r++) {
    if (STEPS.some((weight, s) => step(random, s, weight, 0, scrapes) !== null)) runsWithGate++;
  }
  const rate = runsWithGate / runs;
  const [low, high] = wilsonInterval(runsWithGate, runs);
  const seconds: number[] = [];
  for (let t = 0; t < powerTrials; t++) {
    const at = step(random, 0, 5, INJECTED_5XX, 60 / SCRAPE_SECONDS);
    seconds.push(at === null ? Number.POSITIVE_INFINITY : (at + 1) * SCRAPE_SECONDS);
  }
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)] ?? Number.POSITIVE_INFINITY;
  const worst = seconds[seconds.length - 1] ?? Number.POSITIVE_INFINITY;
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  return {
    name: 'sequential-statistics',
    ratio: rate,
    measured: `${runsWithGate}/${runs} runs with a false gate (${pct(rate)}, 95 % CI ${pct(low)}–${pct(high)}); 3 % 5xx caught in median ${median} s, worst ${worst} s`,
    target:
      '≤ 1 % of healthy runs with any rollback gate; 3 % 5xx at 5 % traffic caught within the first 60 s interval',
    ok: rate <= 0.01 && worst <= 60,
    details: {
      runs,
      runsWithGate,
      rate,
      confidenceInterval95: [low, high],
      powerTrials,
      secondsToDetect: { median, worst },
      setup: `${STEPS.length} steps (${STEPS.join(', ')} %) × ${STEP_SECONDS} s, scraped every ${SCRAPE_SECONDS} s, ${REQUESTS_PER_SECOND} req/s, base 5xx ${BASE_5XX * 100} % (×10 in 2 % of scrapes, both clusters)`,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `sequential-statistics: ${result.ok ? 'OK' : 'MISSED TARGET'} in ${Math.round(performance.now() - started)} ms`,
  );
  if (!result.ok) process.exitCode = 1;
}
