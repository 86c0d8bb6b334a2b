import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterWrite } from '../support/safety-model/holding-router.js';
import {
  APPROVERS,
  OBSERVE_SECONDS,
  type SafetyHarness,
  STARTER,
  startSafetyHarness,
  USERS,
} from '../support/safety-model/safety-harness.js';

/**
 * The traffic promise, checked over random interleavings against the real engine, store, jobs and
 * Slack handlers on real PostgreSQL: Y gets more traffic only after a valid approval, and an approved
 * rollback always ends with 100 % on X. After every step:
 *  (a) every increase of the router's weight follows an approved gate whose approvals satisfy the rules;
 *  (b) after an approved rollback no write raises Y, and once nothing is in flight the router is at 0;
 *  (c) `completed` implies the router is at 100;
 *  (d) a gate is decided at most once;
 *  (e) when no job is in flight, the recorded weight equals the router's.
 * Reproduce a failure with SAFETY_MODEL_LANES=1 and the lane's seed as SAFETY_MODEL_SEED (and
 * SAFETY_MODEL_PATH, both printed with the counterexample).
 */
const SEED = Number(process.env.SAFETY_MODEL_SEED ?? 20261205);
const RUNS = Number(process.env.SAFETY_MODEL_RUNS ?? 1000);
const PATH = process.env.SAFETY_MODEL_PATH;

/**
 * Independent lanes run side by side (each its own database, router and Kong), since the model spends
 * most of its time waiting on PostgreSQL and HTTP: LANES × (RUNS / LANES) sequences, lane i seeded SEED + i.
 */
const LANES = Math.max(1, Number(process.env.SAFETY_MODEL_LANES ?? 4));

interface Lane {
  h: SafetyHarness;
  violations: string[];
  /** What the sequences reached, so that a model that never moves traffic cannot pass unnoticed. */
  reached: {
    increases: number;
    decreases: number;
    completed: number;
    rolledBack: number;
    refusedClicks: number;
  };
  refusals: Map<string, number>;
}
const lanes: Lane[] = [];
const current = new AsyncLocalStorage<Lane>();
function L(): Lane {
  const lane = current.getStore();
  if (!lane) throw new Error('a model step ran outside its lane');
  return lane;
}

interface Model {
  steps: number;
}

async function runId(): Promise<string> {
  const run = await L().h.currentRun();
  return run?.id ?? 'prod-1';
}

/** Judges a router write when it is sent: who allowed it, by the rules of the promise. */
async function judgeWrite(write: RouterWrite): Promise<void> {
  const run = await L().h.currentRun();
  if (!run) return;
  const gates = await L().h.store.gates.listGates(run.id);
  const approvedRollback = gates.some((g) => g.kind === 'rollback' && g.status === 'approved');
  if (approvedRollback && write.y > 0) {
    L().violations.push(`(b) Y set to ${write.y} % after a rollback was approved`);
  }
  if (write.y < write.before) L().reached.decreases += 1;
  if (write.y <= write.before) return;
  L().reached.increases += 1;
  const decisions = await L().h.db.query(
    'SELECT a.user_id AS actor, a.gate_id::text AS gate FROM gate_approvals a JOIN gates g ON g.id = a.gate_id WHERE g.run_id = $1',
    [run.id],
  );
  const valid = gates.some((g) => {
    if (g.kind !== 'shift' || g.status !== 'approved' || g.targetWeight !== write.y) return false;
    const approvers = decisions.filter((d) => d.gate === g.id).map((d) => String(d.actor));
    return (
      approvers.length >= g.requiredApprovals &&
      approvers.every(
        (a) =>
          APPROVERS.includes(a) && a !== run.requestedBy && (g.requestedBy === null || a !== g.requestedBy),
      )
    );
  });
  if (!valid) {
    L().violations.push(`(a) Y raised ${write.before} → ${write.y} % without a valid approval of that step`);
  }
}

async function checkInvariants(): Promise<void> {
  const run = await L().h.currentRun();
  const decided = await L().h.db.query(
    `SELECT details->>'gateId' AS gate, count(*)::int AS n FROM run_events
      WHERE kind IN ('gate.approved', 'gate.rejected') GROUP BY 1 HAVING count(*) > 1`,
  );
  for (const row of decided)
    L().violations.push(`(d) gate ${String(row.gate)} decided ${String(row.n)} times`);
  const quiet =
    L().h.queue.waiting.length === 0 && L().h.running.size === 0 && L().h.router.heldCount() === 0;
  if (run && quiet) {
    const gates = await L().h.store.gates.listGates(run.id);
    if (gates.some((g) => g.kind === 'rollback' && g.status === 'approved') && L().h.router.y !== 0) {
      L().violations.push(
        `(b) a rollback was approved and nothing is in flight, but Y has ${L().h.router.y} %`,
      );
    }
    if (run.phase === 'completed' && !run.dryRun && L().h.router.y !== 100) {
      L().violations.push(`(c) ${run.id} completed with Y at ${L().h.router.y} %`);
    }
    if ((run.appliedWeight ?? 0) !== L().h.router.y) {
      L().violations.push(
        `(e) recorded Y ${run.appliedWeight ?? 0} % but the router has ${L().h.router.y} %`,
      );
    }
  }
  if (L().violations.length > 0) throw new Error(L().violations.join('\n'));
}

type Step = fc.AsyncCommand<Model, SafetyHarness>;

/** Milliseconds spent per kind of step (printed with the summary: where a slow run spends its time). */
const spent = new Map<string, number>();

function step(label: string, act: () => Promise<void>): Step {
  return {
    check: () => true,
    async run(model) {
      model.steps += 1;
      const started = Date.now();
      await act();
      await checkInvariants();
      const kind = label.replace(/\(.*$/, '');
      spent.set(kind, (spent.get(kind) ?? 0) + Date.now() - started);
    },
    toString: () => label,
  };
}

const user = fc.constantFrom(...USERS);
const percent = fc.constantFrom(1, 5, 25, 30, 50, 60, 100);

async function gateAt(index: number) {
  const gates = await L().h.store.gates.listGates(await runId());
  return gates.length === 0 ? null : (gates[gates.length - 1 - (index % gates.length)] ?? null);
}

const healthy = fc.constant(step('healthyStep', () => L().h.healthyStep()));
/** A stretch of healthy steps, so that sequences also reach 100 %, completion and what follows it. */
const healthyStretch = fc.integer({ min: 2, max: 6 }).map((n) =>
  step(`healthySteps(${n})`, async () => {
    for (let i = 0; i < n; i++) await L().h.healthyStep();
  }),
);

const commands = [
  healthy,
  healthy,
  healthy,
  healthyStretch,
  healthyStretch,
  fc.constant(step('healthyDecrease', () => L().h.healthyDecrease())),
  fc
    .tuple(fc.nat(5), user, fc.constantFrom('approve' as const, 'reject' as const), fc.boolean())
    .map(([i, u, action, requester]) =>
      step(`click(${i},${requester ? 'requester' : u},${action})`, async () => {
        const gate = await gateAt(i);
        if (gate) await L().h.click(gate.id, requester && gate.requestedBy ? gate.requestedBy : u, action);
      }),
    ),
  fc.tuple(fc.nat(5), user, user).map(([i, a, b]) =>
    step(`concurrentApprove(${i},${a},${b})`, async () => {
      const gate = await gateAt(i);
      if (gate) await Promise.all([L().h.click(gate.id, a, 'approve'), L().h.click(gate.id, b, 'approve')]);
    }),
  ),
  fc
    .tuple(user, percent)
    .map(([u, p]) =>
      step(`shift(${u},${p})`, async () => void (await L().h.command(u, `shift ${await runId()} ${p}`))),
    ),
  user.map((u) =>
    step(`rollback(${u})`, async () => void (await L().h.command(u, `rollback ${await runId()}`))),
  ),
  user.map((u) => step(`abort(${u})`, async () => void (await L().h.command(u, `abort ${await runId()}`)))),
  fc
    .constantFrom('pause', 'resume')
    .map((c) => step(c, async () => void (await L().h.command(STARTER, `${c} ${await runId()}`)))),
  fc
    .constantFrom('pass' as const, 'warn' as const, 'fail' as const, 'insufficient_data' as const)
    .map((v) => step(`verdict(${v})`, () => L().h.comparison(v))),
  fc.integer({ min: 5, max: 2 * OBSERVE_SECONDS }).map((s) =>
    step(`advance(${s}s)`, async () => {
      L().h.clock.t += s * 1000;
    }),
  ),
  fc.nat(4).map((i) =>
    step(`runJob(${i})`, async () => {
      const job = L().h.queue.take(i);
      if (job) await L().h.launch(job);
    }),
  ),
  fc.nat(4).map((i) =>
    step(`runJobTwice(${i})`, async () => {
      const job = L().h.queue.take(i);
      if (job) await Promise.all([L().h.launch(job), L().h.launch(job)]);
    }),
  ),
  fc.boolean().map((on) =>
    step(`routerSlow(${on})`, async () => {
      L().h.router.holding = on;
      if (!on) await L().h.router.release();
    }),
  ),
  fc.constant(
    step('routerRelease', async () => {
      await L().h.router.release();
      await Promise.race([Promise.all([...L().h.running]), new Promise((r) => setTimeout(r, 300))]);
    }),
  ),
  fc.constantFrom('fail_before' as const, 'fail_after' as const).map((f) =>
    step(`routerFailsNext(${f})`, async () => {
      L().h.router.failNext = f;
    }),
  ),
  fc.constant(
    step('redisFlushAndReconcile', async () => {
      L().h.queue.flush();
      await L().h.reconcile();
    }),
  ),
  fc.constant(step('reconcile', () => L().h.reconcile())),
  // Two steps an incident is made of, so that random sequences reach them often: a valid approval whose
  // write is held in flight by a slow router, and a rollback asked for and approved at once.
  fc.constant(
    step('stepInFlight', async () => {
      const h = L().h;
      const run = await h.currentRun();
      if (!run) return;
      const gate = (await h.store.gates.pendingGates(run.id)).filter((g) => g.kind === 'shift').at(-1);
      const approver = APPROVERS.find((u) => u !== run.requestedBy && u !== gate?.requestedBy);
      if (!gate || !approver) return;
      await h.click(gate.id, approver, 'approve');
      h.router.holding = true;
      const at = h.queue.waiting.findIndex((j) => j.jobId === `gate.${gate.id}`);
      const job = at >= 0 ? h.queue.take(at) : undefined;
      if (job) await h.launch(job);
    }),
  ),
  user.map((u) =>
    step(`approvedRollback(${u})`, async () => {
      const h = L().h;
      const run = await h.currentRun();
      if (!run) return;
      await h.command(u, `rollback ${run.id}`);
      const gate = (await h.store.gates.pendingGates(run.id)).find((g) => g.kind === 'rollback');
      const approver = APPROVERS.find((a) => a !== u);
      if (gate && approver) await h.click(gate.id, approver, 'approve');
    }),
  ),
];

/** One lane's sequences: each starts from a verified Y with the first gate posted, and ends drained and judged. */
function laneProperty() {
  return fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
    const lane = L();
    await lane.h.reset();
    lane.violations.length = 0;
    await lane.h.command(STARTER, 'start prod');
    await lane.h.drain();
    await fc.asyncModelRun(() => ({ model: { steps: 0 }, real: lane.h }), cmds);
    // Then everything in flight is let through, lost jobs are rebuilt, and the end state is judged.
    lane.h.router.holding = false;
    lane.h.router.failNext = 'none';
    await lane.h.drain();
    await lane.h.reconcile();
    await lane.h.drain();
    await checkInvariants();
    const end = await lane.h.currentRun();
    if (end?.phase === 'completed') lane.reached.completed += 1;
    if (end?.phase === 'rolled_back') lane.reached.rolledBack += 1;
    const codes = await lane.h.db.query(
      "SELECT details->>'code' AS code, count(*)::int AS n FROM run_events WHERE kind = 'gate.refused' GROUP BY 1",
    );
    for (const c of codes) {
      lane.reached.refusedClicks += Number(c.n);
      lane.refusals.set(String(c.code), (lane.refusals.get(String(c.code)) ?? 0) + Number(c.n));
    }
  });
}

describe('traffic moves only as approved (model-based, real PostgreSQL)', () => {
  beforeAll(async () => {
    for (let i = 0; i < LANES; i++) {
      const lane: Lane = {
        h: await startSafetyHarness(),
        violations: [],
        reached: { increases: 0, decreases: 0, completed: 0, rolledBack: 0, refusedClicks: 0 },
        refusals: new Map(),
      };
      // The router answers outside any lane's async context: bind its judge to its own lane.
      lane.h.router.onWrite = (write) => current.run(lane, () => judgeWrite(write));
      lanes.push(lane);
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(lanes.map((lane) => lane.h.close()));
  });

  const perLane = Math.ceil(RUNS / LANES);
  it(`holds the invariants over ${perLane * LANES} random interleavings (${LANES} lanes, seeds ${SEED}…)`, async () => {
    await Promise.all(
      lanes.map((lane, i) =>
        current.run(lane, () =>
          fc.assert(laneProperty(), {
            seed: SEED + i,
            numRuns: perLane,
            ...(PATH && LANES === 1 ? { path: PATH } : {}),
            verbose: 1,
          }),
        ),
      ),
    );
    // The sequences really moved traffic up and down, completed runs and rolled them back.
    const total = { increases: 0, decreases: 0, completed: 0, rolledBack: 0, refusedClicks: 0 };
    const refusals: Record<string, number> = {};
    for (const lane of lanes) {
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += lane.reached[k];
      for (const [code, n] of lane.refusals) refusals[code] = (refusals[code] ?? 0) + n;
    }
    console.log(
      `traffic safety model (seeds ${SEED}…${SEED + LANES - 1}, ${perLane * LANES} sequences): ${JSON.stringify(total)}; refused clicks by rule: ${JSON.stringify(refusals)}; ms by step: ${JSON.stringify(Object.fromEntries(spent))}`,
    );
    const runs = perLane * LANES;
    expect(total.increases).toBeGreaterThan(runs);
    expect(total.decreases).toBeGreaterThan(runs / 20);
    expect(total.completed).toBeGreaterThan(runs / 50);
    expect(total.rolledBack).toBeGreaterThan(runs / 20);
    expect(total.refusedClicks).toBeGreaterThan(runs / 2);
  }, 1_200_000);

  it('starts every sequence from the first gate (the model exercises the traffic phases)', async () => {
    const lane = lanes[0] as Lane;
    await current.run(lane, async () => {
      await lane.h.reset();
      await lane.h.command(STARTER, 'start prod');
      await lane.h.drain();
      const run = await lane.h.currentRun();
      expect(run?.phase).toBe('awaiting_gate');
      expect((await lane.h.store.gates.pendingGates(run?.id ?? '')).map((g) => g.targetWeight)).toEqual([5]);
    });
  });
});
