import { type LatencySummary, summarizeLatencies } from '../../bench/support/percentile.js';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import type { Gate } from '../../src/domain/gate.js';
import { isTerminal, type Phase } from '../../src/domain/run.js';
import type { RunEvent } from '../../src/domain/run-event.js';
import type { Weights } from '../../src/domain/weights.js';
import { createStore } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import {
  type SoakEnvironment,
  type SoakEnvironmentOptions,
  startSoakEnvironment,
} from './soak-environment.js';
import { startTestBot, type TestBot } from './start-test-bot.js';

/**
 * Issue 8's soak: one bot (in-process, real job definitions, real workers) and N environments, each
 * with its own simulated Kong pair, weighted balancer and load. All N runs are started at once with
 * signed slash commands; an "approver bot" clicks Approve, as an approver who did not start the runs,
 * on every gate it finds, once each. Returns what happened, for the test to check and the bench to
 * print; `soakProblems` lists every way the outcome differs from N correct runs.
 */

export const SOAK_REQUESTER = 'U0SOAKREQ';
export const SOAK_APPROVER = 'U0SOAKAPP';

export interface SoakOptions extends Omit<SoakEnvironmentOptions, 'upstreamMs'> {
  environments: number;
  workerConcurrency: number;
  /** Give up waiting for the runs to end after this long. */
  timeoutMs: number;
  progress?: (line: string) => void;
}

export interface TimedReply {
  status: number;
  ms: number;
  body: string;
}

export interface SoakRun {
  environment: string;
  runId: string;
  channel: string;
  phase: Phase | 'missing';
  /** The run card was posted (its ts is the run's thread). */
  cardPosted: boolean;
  appliedWeight: number | null;
  planSteps: number[];
  startAck: TimedReply;
  routerWeights: Weights[];
  events: RunEvent[];
  gates: Gate[];
  clicks: (TimedReply & { gateId: string })[];
  /** Phase name → milliseconds spent, from the audit log and the gates' times. */
  phaseMs: Record<string, number[]>;
  load: ReturnType<SoakEnvironment['loadStats']>;
}

export interface SoakReport {
  wallMs: number;
  timedOut: boolean;
  runs: SoakRun[];
  /** The bot's log lines at warn level or above (pino JSON), for the report and for diagnosis. */
  botWarnings: string[];
  /**
   * Of those, the ones where the bot could not use its own database (they name it). PostgreSQL stays
   * up throughout, so each is the bot's pool running dry under the concurrent runs.
   */
  ownDatabaseWarnings: number;
}

const PREPARATION = ['preflight', 'backup', 'restore', 'deploy', 'verify'] as const;
const POLL_MS = 100;

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const say = o.progress ?? (() => undefined);
  const names = Array.from({ length: o.environments }, (_, i) => `soak${String(i + 1).padStart(2, '0')}`);
  const envs: SoakEnvironment[] = [];
  let bot: TestBot | undefined;
  let workers: { close(): Promise<void> } | undefined;
  let observerDb: Db | undefined;
  try {
    // Sequentially: seeding N Kong databases at once only makes each of them slower.
    for (const _ of names) envs.push(await startSoakEnvironment({ ...o, upstreamMs: 5 }));
    say(`${names.length} environments up (Kong pairs seeded, balancers listening)`);
    bot = await startTestBot({
      config: {
        approvals: { approvers: [SOAK_REQUESTER, SOAK_APPROVER], fourEyes: true },
        environments: Object.fromEntries(names.map((n, i) => [n, envs[i]?.config])),
      },
      workers: false,
      definitions: JOB_DEFINITIONS,
    });
    workers = bot.composition.startWorkers(o.workerConcurrency);
    for (const env of envs) env.startLoad();
    const b = bot;
    // The observer reads through a pool of its own, so that watching never takes the bot's connections.
    observerDb = createDb({ databaseUrl: bot.database.url, max: 2 });
    const store = createStore(observerDb);
    const channelOf = (i: number) => `C0SOAK${String(i + 1).padStart(4, '0')}`;
    const started = performance.now();
    say(`starting ${names.length} runs at once`);
    const acks = await Promise.all(
      names.map((n, i) =>
        timed(() =>
          b.requester.slashCommand({ text: `start ${n}`, userId: SOAK_REQUESTER, channelId: channelOf(i) }),
        ),
      ),
    );
    const clicks = new Map<string, Promise<TimedReply & { gateId: string }>>();
    const runIds = names.map((n) => `${n}-1`);
    let timedOut = false;
    let lastSaid = '';
    for (;;) {
      const runs = await Promise.all(runIds.map((id) => store.runs.getRun(id)));
      for (const [i, id] of runIds.entries()) {
        for (const gate of await store.gates.pendingGates(id)) {
          // A rollback gate means a comparison failed: not a correct run; leave it for the report.
          if (!gate.messageTs || gate.kind === 'rollback' || clicks.has(gate.id)) continue;
          const ts = gate.messageTs;
          clicks.set(
            gate.id,
            timed(() =>
              b.requester.clickButton({
                userId: SOAK_APPROVER,
                actionId: 'gate.approve',
                value: gate.id,
                messageTs: ts,
                channelId: runs[i]?.channel ?? channelOf(i),
              }),
            ).then((r) => ({ ...r, gateId: gate.id })),
          );
        }
      }
      const phases = runs.map((r) => r?.phase ?? 'missing');
      const summary = countPhases(phases);
      if (summary !== lastSaid) {
        say(`${((performance.now() - started) / 1000).toFixed(1)} s: ${summary}`);
        lastSaid = summary;
      }
      if (runs.every((r) => r && isTerminal(r.phase))) break;
      if (performance.now() - started > o.timeoutMs) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const wallMs = performance.now() - started;
    const allClicks = await Promise.all(clicks.values());
    const runs: SoakRun[] = [];
    for (const [i, runId] of runIds.entries()) {
      const run = await store.runs.getRun(runId);
      const events = await store.events.listEvents(runId);
      const gates = await store.gates.listGates(runId);
      const env = envs[i] as SoakEnvironment;
      runs.push({
        environment: names[i] ?? '',
        runId,
        channel: run?.channel ?? channelOf(i),
        phase: run?.phase ?? 'missing',
        cardPosted: Boolean(run?.cardTs),
        appliedWeight: run?.appliedWeight ?? null,
        planSteps: run?.planSteps ?? [],
        startAck: acks[i] as TimedReply,
        routerWeights: env.appliedWeights(),
        events,
        gates,
        clicks: allClicks.filter((c) => gates.some((g) => g.id === c.gateId)),
        phaseMs: phaseDurations(events, gates, run?.finishedAt ?? null),
        load: env.loadStats(),
      });
    }
    const botWarnings = b.logs.filter((l) => /"level":(4|5|6)0/.test(l));
    const ownDatabase = new URL(b.database.url).pathname.slice(1);
    const ownDatabaseWarnings = botWarnings.filter((l) => l.includes(ownDatabase)).length;
    return { wallMs, timedOut, runs, botWarnings, ownDatabaseWarnings };
  } finally {
    await observerDb?.close().catch(() => undefined);
    await workers?.close().catch(() => undefined);
    await bot?.close().catch(() => undefined);
    await Promise.allSettled(envs.map((e) => e.close()));
  }
}

async function timed(send: () => Promise<{ status: number; body: string }>): Promise<TimedReply> {
  const t0 = performance.now();
  const reply = await send();
  return { status: reply.status, ms: performance.now() - t0, body: reply.body };
}

function countPhases(phases: string[]): string {
  const counts = new Map<string, number>();
  for (const p of phases) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].map(([p, n]) => `${n} ${p}`).join(', ');
}

/**
 * Time per phase of one run: preparation phases between consecutive milestones of the audit log,
 * then per gate the wait for approval (requested → decided), the step being applied (decided → the
 * weight confirmed), the observation (confirmed → the next gate requested), and completion.
 */
export function phaseDurations(events: RunEvent[], gates: Gate[], finishedAt: Date | null) {
  const out: Record<string, number[]> = {};
  const add = (phase: string, from: Date | undefined, to: Date | undefined | null) => {
    if (from && to) out[phase] = [...(out[phase] ?? []), to.getTime() - from.getTime()];
  };
  const at = (kind: string) => events.find((e) => e.kind === kind)?.at;
  let previous = at('command.start');
  for (const job of PREPARATION) {
    const done = at(`job.${job}.succeeded`);
    add(job, previous, done);
    previous = done;
  }
  const applied = events.filter((e) => e.kind === 'traffic.weight_applied');
  const ordered = [...gates].sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime());
  for (const [i, gate] of ordered.entries()) {
    add('awaiting_gate', gate.requestedAt, gate.decidedAt);
    if (gate.status !== 'approved' || !gate.decidedAt) continue;
    const decided = gate.decidedAt;
    if (gate.kind === 'complete') {
      add('completing', decided, finishedAt);
      continue;
    }
    const confirmed = applied.find((e) => e.at.getTime() >= decided.getTime())?.at;
    add('shifting', decided, confirmed);
    add('observing', confirmed, ordered[i + 1]?.requestedAt);
  }
  return out;
}

/** Every way the soak's outcome differs from all runs completing correctly; empty when it is right. */
export function soakProblems(report: SoakReport): string[] {
  const problems: string[] = [];
  if (report.timedOut)
    problems.push(`the runs had not all ended after ${Math.round(report.wallMs / 1000)} s`);
  for (const run of report.runs) {
    const p = (what: string) => problems.push(`${run.runId}: ${what}`);
    if (run.startAck.status !== 200) p(`start answered HTTP ${run.startAck.status}`);
    if (run.phase !== 'completed') p(`ended ${run.phase}, not completed`);
    if (!run.cardPosted) p('no run card was posted');
    const want = run.planSteps.map((y) => ({ x: 100 - y, y }));
    if (JSON.stringify(run.routerWeights) !== JSON.stringify(want))
      p(`router received ${JSON.stringify(run.routerWeights)}, expected ${JSON.stringify(want)}`);
    const decisions = run.events
      .filter((e) => e.kind === 'gate.approved')
      .map((e) => `${e.details.kind}:${e.details.targetWeight}:${e.actor}`);
    const wantDecisions = [
      ...run.planSteps.map((s) => `shift:${s}:${SOAK_APPROVER}`),
      `complete:100:${SOAK_APPROVER}`,
    ];
    if (JSON.stringify(decisions) !== JSON.stringify(wantDecisions))
      p(`audit log decisions ${JSON.stringify(decisions)}, expected ${JSON.stringify(wantDecisions)}`);
    for (const gate of run.gates) {
      const decided = run.events.filter(
        (e) => ['gate.approved', 'gate.rejected'].includes(e.kind) && e.details.gateId === gate.id,
      );
      if (decided.length !== 1) p(`gate ${gate.kind} ${gate.targetWeight} decided ${decided.length} times`);
      if (gate.status !== 'approved') p(`gate ${gate.kind} ${gate.targetWeight} is ${gate.status}`);
    }
    const refused = run.events.filter((e) => e.kind === 'gate.refused');
    if (refused.length > 0)
      p(`${refused.length} clicks refused: ${JSON.stringify(refused.map((e) => e.details.code))}`);
    const weights = run.events.filter((e) => e.kind === 'traffic.weight_applied');
    if (weights.length !== run.planSteps.length) p(`${weights.length} weight changes recorded`);
    for (const c of run.clicks) if (c.status !== 200) p(`a click answered HTTP ${c.status}`);
  }
  return problems;
}

export interface SoakFigures {
  runs: number;
  completed: number;
  wallSeconds: number;
  phases: Record<string, LatencySummary>;
  startAckMs: LatencySummary | null;
  clickAckMs: LatencySummary | null;
  requestsThroughBalancers: number;
  botWarnings: number;
  ownDatabaseWarnings: number;
}

/** Wall time, p50/p95 of each phase over all runs, and the ack latencies of starts and clicks. */
export function soakFigures(report: SoakReport): SoakFigures {
  const phases: Record<string, number[]> = {};
  for (const run of report.runs)
    for (const [phase, ms] of Object.entries(run.phaseMs)) phases[phase] = [...(phases[phase] ?? []), ...ms];
  const summary = (xs: number[]) => (xs.length > 0 ? summarizeLatencies(xs) : null);
  return {
    runs: report.runs.length,
    completed: report.runs.filter((r) => r.phase === 'completed').length,
    wallSeconds: Math.round(report.wallMs / 100) / 10,
    phases: Object.fromEntries(
      Object.entries(phases).map(([phase, ms]) => [phase, summarizeLatencies(ms)] as const),
    ),
    startAckMs: summary(report.runs.map((r) => r.startAck.ms)),
    clickAckMs: summary(report.runs.flatMap((r) => r.clicks.map((c) => c.ms))),
    requestsThroughBalancers: report.runs.reduce((n, r) => n + (r.load.balanced?.completed ?? 0), 0),
    botWarnings: report.botWarnings.length,
    ownDatabaseWarnings: report.ownDatabaseWarnings,
  };
}
