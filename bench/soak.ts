/**
 * soak benchmark (issue 8): "a soak of 10 concurrent runs in different environments on the sandbox
 * parts completes with all runs correct". One in-process bot with real workers and job definitions;
 * each environment has its own simulated Kong pair (X seeded, Y empty: real pg_dump, pg_restore, a
 * harmless deploy command, real verify), the sandbox's weighted balancer driven by the webhook router,
 * and a steady load generator. All runs start at once with signed slash commands, and an approver who
 * did not start them approves every gate. Baseline: one run alone on the same parts, in the same
 * process; the ratio is the soak's wall time over it. The target is correctness: every run completed,
 * each router received exactly its plan's weights in order, one audited decision per gate.
 * Run: npx tsx bench/soak.ts
 */
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { runSoak, type SoakOptions, soakFigures, soakProblems } from '../test/support/run-soak.js';
import type { BenchResult } from './support/bench-result.js';

export interface SoakBenchOptions {
  /** Concurrent runs, one environment each (default 10). */
  environments?: number;
  /** Plan steps of every run (default 10, 50, 100). */
  steps?: number[];
  progress?: (line: string) => void;
}

export async function run(options: SoakBenchOptions = {}): Promise<BenchResult> {
  const environments = options.environments ?? 10;
  const say = options.progress ?? (() => undefined);
  const base: Omit<SoakOptions, 'environments'> = {
    steps: options.steps ?? [10, 50, 100],
    // At the first step Y gets 3 requests a second, 9 a window: enough for a verdict at minRequests 5
    // (fewer gives insufficient_data, and no gate is offered).
    intervalSeconds: 3,
    observeSeconds: 3,
    minRequests: 5,
    ratePerSecond: 30,
    xDirectPerSecond: 0, // at 100 % Y is judged against X's last window with traffic
    workerConcurrency: 8,
    timeoutMs: 600_000,
  };
  say('baseline: one run alone');
  const alone = await runSoak({ ...base, environments: 1, progress: say });
  say(`baseline done in ${(alone.wallMs / 1000).toFixed(1)} s; now ${environments} runs at once`);
  const soak = await runSoak({ ...base, environments, progress: say });
  const problems = [...soakProblems(alone).map((p) => `baseline ${p}`), ...soakProblems(soak)];
  const figures = soakFigures(soak);
  const ok = problems.length === 0;
  return {
    name: 'soak',
    ratio: Math.round((soak.wallMs / alone.wallMs) * 100) / 100,
    target: `all ${environments} concurrent runs complete correctly (weights in plan order, each gate decided once)`,
    ok,
    measured: `${figures.completed}/${environments} completed in ${figures.wallSeconds} s`,
    baseline: `1 run alone: ${(alone.wallMs / 1000).toFixed(1)} s`,
    details: {
      ...(ok ? {} : { why: problems.slice(0, 20).join('; ') }),
      ...figures,
      ...(soak.ownDatabaseWarnings > 0
        ? {
            ownDatabaseNote:
              "the bot logged its own database as unreachable while PostgreSQL was up: its pool ran dry (a run-card post holds a transaction's connection and asks the pool for another; ten at once exhaust the default pool of 10 until the 5 s connection timeout)",
          }
        : {}),
      plan: base.steps,
      intervalSeconds: base.intervalSeconds,
      observeSeconds: base.observeSeconds,
      loadPerEnvironment: { throughBalancer: base.ratePerSecond, directToX: base.xDirectPerSecond },
      workerConcurrency: base.workerConcurrency,
      baselineFigures: soakFigures(alone),
      botWarningSample: soak.botWarnings.slice(0, 5),
      cpus: cpus().length,
      loadAverage: loadavg()[0],
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run({ progress: (line) => console.log(line) });
  console.log(JSON.stringify(result, null, 2));
  console.log(`${result.name}: ${result.measured} vs ${result.baseline} ${result.ok ? 'PASS' : 'MISS'}`);
  if (!result.ok) process.exitCode = 1;
  // Bolt's and BullMQ's sockets may linger a moment; the measurement is done.
  process.exit();
}
