/**
 * `slack-faults` (docs/contract.md#performance-targets): the same whole run (Y seeded like X; 50 → 100 → complete) twice in one
 * process, against a healthy Slack and against a faulty one (429 with Retry-After 1–3 s on 20 % of calls,
 * 500 on 5 %, the live comparison message deleted, the channel archived for a few seconds after the card).
 * Target: the same outcome, every ack < 3 s, no job failed, and each gate at most 5 s later than with the
 * healthy Slack. The ratio is the faulty run's total time over the healthy one's.
 */
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { startKongPair } from '../test/support/kong-pair.js';
import { startLoadLoop } from '../test/support/load-loop.js';
import { type FaultRunResult, runThroughSlack, SLACK_FAULTS } from '../test/support/slack-fault-run.js';
import type { BenchResult } from './support/bench-result.js';

const MAX_GATE_DELAY_MS = 5000;

export async function run(options: { progress?: (line: string) => void } = {}): Promise<BenchResult> {
  const say = options.progress ?? (() => undefined);
  const pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
  const open = pair.seed.fixtures.open?.path ?? '/';
  const load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
  let healthy: FaultRunResult;
  let faulty: FaultRunResult;
  try {
    say('healthy Slack…');
    healthy = await runThroughSlack({
      pair,
      faulty: false,
      yFailing: false,
      channel: 'C0BENCHOK1',
      log: say,
    });
    say('faulty Slack…');
    faulty = await runThroughSlack({ pair, faulty: true, yFailing: false, channel: 'C0BENCHBAD', log: say });
  } finally {
    await load.stop();
    await pair.close();
  }
  // What the faults add to each gate: from the click before it (or the start) to its message.
  const delays = faulty.gates.map((g, i) => ({
    gate: g.gate,
    lateMs: g.sincePreviousMs - (healthy.gates[i]?.sincePreviousMs ?? 0),
  }));
  const worst = Math.max(...delays.map((d) => d.lateMs));
  const sameOutcome =
    faulty.phase === healthy.phase &&
    faulty.gates.map((g) => g.gate).join() === healthy.gates.map((g) => g.gate).join();
  const acksOk = faulty.ackMs.every((ms) => ms < 3000) && faulty.ackStatuses.every((s) => s === 200);
  const ok = sameOutcome && acksOk && faulty.jobFailures.length === 0 && worst <= MAX_GATE_DELAY_MS;
  return {
    name: 'slack-faults',
    ratio: Math.round((faulty.totalMs / healthy.totalMs) * 100) / 100,
    target: `same outcome; every ack < 3 s; no job failed; each gate ≤ ${MAX_GATE_DELAY_MS / 1000} s later than with a healthy Slack`,
    ok,
    measured: `${faulty.phase} in ${(faulty.totalMs / 1000).toFixed(1)} s; worst gate +${(worst / 1000).toFixed(1)} s`,
    baseline: `${healthy.phase} in ${(healthy.totalMs / 1000).toFixed(1)} s`,
    details: {
      faults: SLACK_FAULTS,
      healthy: { phase: healthy.phase, gates: healthy.gates, maxAckMs: Math.max(...healthy.ackMs) },
      faulty: {
        phase: faulty.phase,
        gates: faulty.gates,
        maxAckMs: Math.max(...faulty.ackMs),
        jobFailures: faulty.jobFailures,
        liveReposted: faulty.liveReposted,
      },
      gateDelays: delays,
      cpus: cpus().length,
      loadAverage: loadavg()[0],
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run({ progress: (line) => console.log(line) });
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `${result.name}: ${result.measured} vs ${result.baseline} (ratio ${result.ratio}) ${result.ok ? 'PASS' : 'MISS'}`,
  );
  if (!result.ok) process.exitCode = 1;
  process.exit();
}
