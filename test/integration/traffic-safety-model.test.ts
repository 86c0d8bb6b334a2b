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
 * Reproduce a failure with SAFETY_MODEL_SEED (and SAFETY_MODEL_PATH, printed with it).
 */
const SEED = Number(process.env.SAFETY_MODEL_SEED ?? 20261205);
const RUNS = Number(process.env.SAFETY_MODEL_RUNS ?? 1000);
const PATH = process.env.SAFETY_MODEL_PATH;

let h: SafetyHarness;
const violations: string[] = [];

interface Model {
  steps: number;
}

async function runId(): Promise<string> {
  const run = await h.currentRun();
  return run?.id ?? 'prod-1';
}

/** Judges a router write when it is sent: who allowed it, by the rules of the promise. */
async function judgeWrite(write: RouterWrite): Promise<void> {
  const run = await h.currentRun();
  if (!run) return;
  const gates = await h.store.gates.listGates(run.id);
  const approvedRollback = gates.some((g) => g.kind === 'rollback' && g.status === 'approved');
  if (approvedRollback && write.y > 0) {
    violations.push(`(b) Y set to ${write.y} % after a rollback was approved`);
  }
  if (write.y <= write.before) return;
  const decisions = await h.db.query(
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
    violations.push(`(a) Y raised ${write.before} → ${write.y} % without a valid approval of that step`);
  }
}

async function checkInvariants(): Promise<void> {
  const run = await h.currentRun();
  const decided = await h.db.query(
    `SELECT details->>'gateId' AS gate, count(*)::int AS n FROM run_events
      WHERE kind IN ('gate.approved', 'gate.rejected') GROUP BY 1 HAVING count(*) > 1`,
  );
  for (const row of decided) violations.push(`(d) gate ${String(row.gate)} decided ${String(row.n)} times`);
  const quiet = h.queue.waiting.length === 0 && h.running.size === 0 && h.router.heldCount() === 0;
  if (run && quiet) {
    const gates = await h.store.gates.listGates(run.id);
    if (gates.some((g) => g.kind === 'rollback' && g.status === 'approved') && h.router.y !== 0) {
      violations.push(`(b) a rollback was approved and nothing is in flight, but Y has ${h.router.y} %`);
    }
    if (run.phase === 'completed' && !run.dryRun && h.router.y !== 100) {
      violations.push(`(c) ${run.id} completed with Y at ${h.router.y} %`);
    }
    if ((run.appliedWeight ?? 0) !== h.router.y) {
      violations.push(`(e) recorded Y ${run.appliedWeight ?? 0} % but the router has ${h.router.y} %`);
    }
  }
  if (violations.length > 0) throw new Error(violations.join('\n'));
}

type Step = fc.AsyncCommand<Model, SafetyHarness>;

function step(label: string, act: () => Promise<void>): Step {
  return {
    check: () => true,
    async run(model) {
      model.steps += 1;
      await act();
      await checkInvariants();
    },
    toString: () => label,
  };
}

const user = fc.constantFrom(...USERS);
const percent = fc.constantFrom(1, 5, 25, 30, 50, 60, 100);

async function gateAt(index: number) {
  const gates = await h.store.gates.listGates(await runId());
  return gates.length === 0 ? null : (gates[gates.length - 1 - (index % gates.length)] ?? null);
}

const healthy = fc.constant(step('healthyStep', () => h.healthyStep()));

const commands = [
  healthy,
  healthy,
  healthy,
  fc
    .tuple(fc.nat(5), user, fc.constantFrom('approve' as const, 'reject' as const), fc.boolean())
    .map(([i, u, action, requester]) =>
      step(`click(${i},${requester ? 'requester' : u},${action})`, async () => {
        const gate = await gateAt(i);
        if (gate) await h.click(gate.id, requester && gate.requestedBy ? gate.requestedBy : u, action);
      }),
    ),
  fc.tuple(fc.nat(5), user, user).map(([i, a, b]) =>
    step(`concurrentApprove(${i},${a},${b})`, async () => {
      const gate = await gateAt(i);
      if (gate) await Promise.all([h.click(gate.id, a, 'approve'), h.click(gate.id, b, 'approve')]);
    }),
  ),
  fc
    .tuple(user, percent)
    .map(([u, p]) =>
      step(`shift(${u},${p})`, async () => void (await h.command(u, `shift ${await runId()} ${p}`))),
    ),
  user.map((u) => step(`rollback(${u})`, async () => void (await h.command(u, `rollback ${await runId()}`)))),
  user.map((u) => step(`abort(${u})`, async () => void (await h.command(u, `abort ${await runId()}`)))),
  fc
    .constantFrom('pause', 'resume')
    .map((c) => step(c, async () => void (await h.command(STARTER, `${c} ${await runId()}`)))),
  fc
    .constantFrom('pass' as const, 'warn' as const, 'fail' as const, 'insufficient_data' as const)
    .map((v) => step(`verdict(${v})`, () => h.comparison(v))),
  fc.integer({ min: 5, max: 2 * OBSERVE_SECONDS }).map((s) =>
    step(`advance(${s}s)`, async () => {
      h.clock.t += s * 1000;
    }),
  ),
  fc.nat(4).map((i) =>
    step(`runJob(${i})`, async () => {
      const job = h.queue.take(i);
      if (job) await h.launch(job);
    }),
  ),
  fc.nat(4).map((i) =>
    step(`runJobTwice(${i})`, async () => {
      const job = h.queue.take(i);
      if (job) await Promise.all([h.launch(job), h.launch(job)]);
    }),
  ),
  fc.boolean().map((on) =>
    step(`routerSlow(${on})`, async () => {
      h.router.holding = on;
      if (!on) await h.router.release();
    }),
  ),
  fc.constant(
    step('routerRelease', async () => {
      await h.router.release();
      await Promise.race([Promise.all([...h.running]), new Promise((r) => setTimeout(r, 300))]);
    }),
  ),
  fc.constantFrom('fail_before' as const, 'fail_after' as const).map((f) =>
    step(`routerFailsNext(${f})`, async () => {
      h.router.failNext = f;
    }),
  ),
  fc.constant(
    step('redisFlushAndReconcile', async () => {
      h.queue.flush();
      await h.reconcile();
    }),
  ),
  fc.constant(step('reconcile', () => h.reconcile())),
];

describe('traffic moves only as approved (model-based, real PostgreSQL)', () => {
  beforeAll(async () => {
    h = await startSafetyHarness();
    h.router.onWrite = judgeWrite;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it(`holds the invariants over ${RUNS} random interleavings (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
        await h.reset();
        violations.length = 0;
        // Every sequence starts from a verified Y with the first gate posted.
        await h.command(STARTER, 'start prod');
        await h.drain();
        await fc.asyncModelRun(() => ({ model: { steps: 0 }, real: h }), cmds);
        // Then everything in flight is let through, lost jobs are rebuilt, and the end state is judged.
        h.router.holding = false;
        h.router.failNext = 'none';
        await h.drain();
        await h.reconcile();
        await h.drain();
        await checkInvariants();
      }),
      { seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH } : {}), verbose: 1 },
    );
  }, 1_200_000);

  it('starts every sequence from the first gate (the model exercises the traffic phases)', async () => {
    await h.reset();
    await h.command(STARTER, 'start prod');
    await h.drain();
    const run = await h.currentRun();
    expect(run?.phase).toBe('awaiting_gate');
    expect((await h.store.gates.pendingGates(run?.id ?? '')).map((g) => g.targetWeight)).toEqual([5]);
  });
});
