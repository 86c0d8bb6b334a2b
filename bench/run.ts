/**
 * `npm run bench [-- <name> …]`: runs the benchmarks of docs/contract.md#performance-targets one after another (all, or
 * those named), prints one table (measured, baseline, ratio, target, ok) and exits non-zero when any
 * target is missed or a benchmark fails, saying why. Each benchmark cleans up its own databases and
 * servers; one that throws becomes a failed row and the others still run.
 */
import { cpus, loadavg } from 'node:os';
import type { BenchResult } from './support/bench-result.js';
import { formatBenchTable, missReasons } from './support/format-bench-table.js';
import { type BenchEntry, selectBenchmarks } from './support/select-benchmarks.js';

/** detect-statistics has no baseline; its table cell says what it counted instead. */
function withDetectSummary(result: BenchResult): BenchResult {
  const d = result.details as {
    healthyVerdicts?: { fail?: number };
    healthyIntervals?: number;
    caughtInFirstInterval?: string;
  };
  return {
    ...result,
    measured: `${d.healthyVerdicts?.fail ?? '?'}/${d.healthyIntervals ?? '?'} false fails; ${d.caughtInFirstInterval ?? '?'} caught in 1st`,
  };
}

const BENCHMARKS: readonly BenchEntry<BenchResult>[] = [
  {
    name: 'ack',
    about:
      '50 concurrent signed `/kong-upgrade status` from a client process against the bot and a bare Bolt app, 40 measured rounds each (~15 s)',
    run: async () => (await import('./ack.js')).run({ progress: (line) => console.log(`  ${line}`) }),
  },
  {
    name: 'detect-statistics',
    aliases: ['detect'],
    about:
      '1,000 simulated healthy intervals and 200 injected 5xx regressions through the comparison (~10 s)',
    run: async () => withDetectSummary(await (await import('./detect-statistics.js')).run()),
  },
  {
    name: 'route-statistics',
    aliases: ['route'],
    about:
      '10,000 simulated healthy intervals over 50 routes, then a route with 2 % of traffic breaking on Y (404, 500, unmatched) (~5 s)',
    run: async () => (await import('./route-statistics.js')).run(),
  },
  {
    name: 'sequential-statistics',
    aliases: ['sequential'],
    about:
      '10,000 simulated healthy runs (4 steps × 10 min, judged after every 5 s scrape) and 3 % 5xx on Y at 5 % traffic (~2 minutes)',
    run: async () => (await import('./sequential-statistics.js')).run(),
  },
  {
    name: 'stall-statistics',
    aliases: ['stalls'],
    about:
      'healthy runs with node stalls and autocorrelated latency, then a sustained ×2 latency on Y (~10 s)',
    run: async () => (await import('./stall-statistics.js')).run(),
  },
  {
    name: 'detect-e2e',
    about:
      'the bot, balancer and simulated Kong nodes under real load: 20 % 5xx on Y at 5 % of the traffic at intervalSeconds 60, timed to the rollback gate (~2.5 minutes)',
    run: async () => (await import('./detect.js')).run({ progress: (line) => console.log(`  ${line}`) }),
  },
  {
    name: 'soak',
    about:
      '10 concurrent runs in 10 environments (real preparation, every gate approved), after one run alone (~2 minutes)',
    run: async () => (await import('./soak.js')).run({ progress: (line) => console.log(`  ${line}`) }),
  },
  {
    name: 'slack-faults',
    about:
      'the same whole run against a healthy and a faulty Slack (429 20 %, 500 5 %, live message deleted, channel archived a while), time to each gate (~1.5 minutes)',
    run: async () =>
      (await import('./slack-faults.js')).run({ progress: (line) => console.log(`  ${line}`) }),
  },
  {
    name: 'backup+restore',
    aliases: ['backup-restore', 'backup', 'restore'],
    about:
      'seeds a 1,000,000-row Kong database, then times pg_dump -Fc | pg_restore against our backup and restore jobs (1–2 minutes, mostly seeding)',
    run: async () => (await import('./backup-restore.js')).run(),
  },
  {
    name: 'verify',
    about:
      'seeds another 1,000,000-row Kong database, restores it into Y, then times COPY of every table on both sides against our consistency check (1–2 minutes)',
    run: async () => (await import('./verify.js')).run(),
  },
  {
    name: 'drift at scale',
    aliases: ['drift'],
    about:
      "seeds a 1,000,000-entity X, then times one drift check (X's table digests against the freeze) against COPY of every table, with the RSS it adds (about a minute, mostly seeding)",
    run: async () => (await import('./drift.js')).run(),
  },
];

function failedResult(name: string, error: unknown): BenchResult {
  const message = error instanceof Error ? error.message : String(error);
  return { name, ratio: Number.NaN, target: '—', ok: false, details: { error: message } };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function main(argv: readonly string[]): Promise<number> {
  let selected: BenchEntry<BenchResult>[];
  try {
    selected = selectBenchmarks(BENCHMARKS, argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  console.log(
    `Running ${selected.length} benchmark(s): ${selected.map((b) => b.name).join(', ')} ` +
      `(${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(2)}; other load on the machine skews the figures)`,
  );
  const results: BenchResult[] = [];
  for (const [i, bench] of selected.entries()) {
    console.log(`\n[${i + 1}/${selected.length}] ${bench.name}: ${bench.about}`);
    const started = performance.now();
    let result: BenchResult;
    try {
      result = await bench.run();
    } catch (error) {
      result = failedResult(bench.name, error);
    }
    results.push(result);
    const elapsed = seconds(performance.now() - started);
    console.log(
      `[${i + 1}/${selected.length}] ${bench.name}: ${result.ok ? 'target met' : 'TARGET MISSED'} in ${elapsed}`,
    );
    console.log(JSON.stringify(result.details, null, 2));
  }
  console.log(`\n${formatBenchTable(results)}\n`);
  const misses = missReasons(results);
  for (const line of misses) console.log(`MISSED ${line}`);
  if (misses.length === 0) console.log('Every target met.');
  return misses.length === 0 ? 0 : 1;
}

const code = await main(process.argv.slice(2));
// Exit explicitly: a client library's idle socket must not keep a finished run alive.
process.exit(code);
