import type { Gate, GateKind } from '../domain/gate.js';
import type { GateClickContext, GateJudgement } from '../domain/judge-gate-click.js';
import type { Run } from '../domain/run.js';
import type { NewRunEvent } from '../domain/run-event.js';
import { AppError } from '../errors.js';
import type { Db, Queryable } from './db.js';
import { insertEvents } from './insert-events.js';
import { mapGate, mapRun, runColumns, toJsonb } from './row-mappers.js';
import { type StoreOptions, storeClock } from './store-options.js';

export interface NewGateInput {
  runId: string;
  kind: GateKind;
  targetWeight: number;
  requestedBy: string | null;
  expiresAt: Date;
  comparison: unknown;
  /** Distinct approvals it needs (default 1). */
  requiredApprovals?: number;
}

/**
 * The caller's pure decision on a click, given the locked gate, the run as it is now, the gate's
 * approvals so far, whether a rollback is open, and the database clock.
 */
export type GateJudge = (
  gate: Gate,
  run: Run,
  ctx: Omit<GateClickContext, 'observeSeconds'> & { now: Date },
) => GateJudgement;

export interface DecideGateResult {
  outcome: GateJudgement['outcome'];
  /** The gate after the decision (unchanged when refused). */
  gate: Gate;
  run: Run;
  reason?: string;
  /** Distinct approvals so far and how many the gate needs (when an approval was counted). */
  approvals?: number;
  required?: number;
  /** For `reason_needed`: which reason the click needs (nothing was recorded). */
  reasonFor?: 'reject' | 'rollback';
}

/** Approval gates (`gates`). Every status change writes an audit event in the same transaction. */
export interface GateStore {
  /**
   * Creates a pending gate; any other pending gate of the run becomes `superseded` (returned, so
   * their messages can be updated). `event` is written with `gateId` added to its details.
   * A pending rollback is never superseded: a new rollback request returns it with `existing: true`
   * and writes nothing (a failing comparison and a `rollback` command can ask at the same moment),
   * and a new traffic step (a decrease: increases are not offered then) leaves it open beside the
   * step. A new rollback supersedes the pending shift or complete gate: Y must not get more traffic
   * while its rollback is being asked for.
   */
  createGate(
    input: NewGateInput,
    event: NewRunEvent,
  ): Promise<{ gate: Gate; superseded: Gate[]; existing?: boolean }>;
  getGate(id: string): Promise<Gate | null>;
  pendingGates(runId: string): Promise<Gate[]>;
  /**
   * Posts a pending gate's message once, across processes (the step that requested it and the
   * reconciler after a crash): claims the gate for a while (one statement), calls `post` outside any
   * transaction, then records the ts. A concurrent caller finds the claim and returns null at once.
   * A poster that dies between Slack's answer and the record lets its claim run out, and the message
   * is posted again (at least once rather than at most once). A failed post releases the claim.
   * Returns the updated gate and its run, or null when there was nothing to do.
   */
  recordGateMessageOnce(
    id: string,
    post: (gate: Gate, run: Run) => Promise<{ ts: string }>,
  ): Promise<{ gate: Gate; run: Run } | null>;
  /** Oldest first. */
  listGates(runId: string): Promise<Gate[]>;
  /**
   * One transaction: lock the gate, load the run, ask `judge`, record an approval (gate_approvals) and the decision when approved or
   * rejected, append the judge's event either way. Concurrent clicks are serialised by the row lock,
   * so the judge of a later click sees the earlier decision. Unknown gate: E_NOT_FOUND.
   */
  decideGate(input: {
    gateId: string;
    userId: string;
    judge: GateJudge;
    /** The decision's time; default the store's clock (PostgreSQL's in production). */
    now?: Date;
  }): Promise<DecideGateResult>;
  /** Who approved the gate, in order. */
  approvalsOf(gateId: string): Promise<string[]>;
  /**
   * An approved gate whose run had moved on before the approval could take effect (a rollback began):
   * it becomes `superseded`, with a `gate.superseded` event carrying `reason`. Null when it was not approved.
   */
  withdrawApproval(gateId: string, reason: string): Promise<Gate | null>;
  /**
   * Every pending gate of the run becomes `superseded` (the run was aborted, failed or is rolling
   * back), with a `gate.superseded` event each carrying `reason`. Returns the closed gates.
   */
  closePendingGates(runId: string, reason: string): Promise<Gate[]>;
  /**
   * Pending gates whose `expires_at` <= now become `expired`, each with a `gate.expired` event. `now`
   * defaults to the store's clock (PostgreSQL's in production).
   */
  expireDueGates(now?: Date): Promise<Gate[]>;
  /** Earliest `expires_at` among pending gates, for arming a timer; null when none are pending. */
  nextGateExpiry(): Promise<Date | null>;
}

/** How long a poster holds a gate's message: longer than the notifier's retries may take. */
const MESSAGE_CLAIM_MS = 120_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createGateStore(db: Db, options: StoreOptions = {}): GateStore {
  const clock = storeClock(options);

  async function gateById(q: Queryable, id: string, lock = false): Promise<Gate | null> {
    // A malformed id (e.g. from a forged button value) is simply not found, not a SQL error.
    if (!UUID.test(id)) return null;
    const rows = await q.query(`SELECT * FROM gates WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] === undefined ? null : mapGate(rows[0]);
  }

  async function approversOf(q: Queryable, gateId: string): Promise<string[]> {
    const rows = await q.query(
      'SELECT user_id FROM gate_approvals WHERE gate_id = $1 ORDER BY approved_at, user_id',
      [gateId],
    );
    return rows.map((r) => String(r.user_id));
  }

  async function runById(q: Queryable, id: string, lock = false): Promise<Run> {
    const [row] = await q.query(
      `SELECT ${runColumns()} FROM runs WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (row === undefined)
      throw new AppError('E_NOT_FOUND', `There is no run ${id}.`, { details: { runId: id } });
    return mapRun(row);
  }

  return {
    createGate(input, event) {
      return db.withTransaction(async (tx) => {
        // Locking the run serialises gate creation per run, so supersede + insert cannot interleave.
        const run = await runById(tx, input.runId, true);
        const now = await clock(tx);
        if (input.kind === 'rollback') {
          const [pending] = await tx.query(
            "SELECT * FROM gates WHERE run_id = $1 AND status = 'pending' AND kind = 'rollback' LIMIT 1",
            [input.runId],
          );
          if (pending !== undefined) return { gate: mapGate(pending), superseded: [], existing: true };
        }
        // A pending rollback is never replaced by a traffic step: it stays open until decided. A
        // rollback replaces the pending shift or completion (the unique index allows one of those).
        const supersededRows = await tx.query(
          `UPDATE gates SET status = 'superseded', decided_at = $2
            WHERE run_id = $1 AND status = 'pending' AND kind <> 'rollback' RETURNING *`,
          [input.runId, now],
        );
        const [row] = await tx.query(
          `INSERT INTO gates (run_id, kind, target_weight, requested_by, requested_at, expires_at, comparison,
                             required_approvals)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [
            input.runId,
            input.kind,
            input.targetWeight,
            input.requestedBy,
            now,
            input.expiresAt,
            toJsonb(input.comparison),
            Math.max(1, input.requiredApprovals ?? 1),
          ],
        );
        if (row === undefined)
          throw new AppError('E_UNKNOWN', 'PostgreSQL returned no row for a gate insert.');
        const gate = mapGate(row);
        const superseded = supersededRows.map(mapGate);
        await insertEvents(
          tx,
          input.runId,
          [
            ...superseded.map((old) => ({
              actor: 'bot',
              kind: 'gate.superseded',
              phase: run.phase,
              details: {
                gateId: old.id,
                kind: old.kind,
                targetWeight: old.targetWeight,
                supersededBy: gate.id,
              },
            })),
            { ...event, details: { ...event.details, gateId: gate.id } },
          ],
          now,
        );
        return { gate, superseded };
      });
    },

    getGate: (id) => gateById(db, id),

    async pendingGates(runId) {
      const rows = await db.query(
        "SELECT * FROM gates WHERE run_id = $1 AND status = 'pending' ORDER BY seq",
        [runId],
      );
      return rows.map(mapGate);
    },

    async recordGateMessageOnce(id, post) {
      if (!UUID.test(id)) return null;
      // Claim, post, record: Slack is never called inside a transaction (a slow Slack would hold a
      // pooled connection and starve the click path). A poster that dies after Slack answered and
      // before recording leaves the claim to run out, and the message is posted again: a duplicate
      // message beats a gate nobody can see.
      const now = await clock(db);
      const [claimed] = await db.query(
        `UPDATE gates SET message_claimed_until = $2
          WHERE id = $1 AND status = 'pending' AND message_ts IS NULL
            AND (message_claimed_until IS NULL OR message_claimed_until < $3)
          RETURNING *`,
        [id, new Date(now.getTime() + MESSAGE_CLAIM_MS), now],
      );
      if (claimed === undefined) return null;
      const gate = mapGate(claimed);
      let ts: string;
      let run: Run;
      try {
        run = await runById(db, gate.runId);
        ts = (await post(gate, run)).ts;
      } catch (err) {
        await db
          .query('UPDATE gates SET message_claimed_until = NULL WHERE id = $1', [id])
          .catch(() => undefined);
        throw err;
      }
      const [row] = await db.query(
        'UPDATE gates SET message_ts = $2, message_claimed_until = NULL WHERE id = $1 RETURNING *',
        [id, ts],
      );
      return row === undefined ? null : { gate: mapGate(row), run };
    },

    async listGates(runId) {
      const rows = await db.query('SELECT * FROM gates WHERE run_id = $1 ORDER BY seq', [runId]);
      return rows.map(mapGate);
    },

    decideGate({ gateId, userId, judge, now: at }) {
      return db.withTransaction(async (tx) => {
        const gate = await gateById(tx, gateId, true);
        if (gate === null) {
          throw new AppError('E_NOT_FOUND', 'This approval request no longer exists.', {
            details: { gateId },
          });
        }
        const now = at ?? (await clock(tx));
        const [runRow] = await tx.query(`SELECT ${runColumns()} FROM runs WHERE id = $1`, [gate.runId]);
        if (runRow === undefined)
          throw new AppError('E_NOT_FOUND', `There is no run ${gate.runId}.`, {
            details: { runId: gate.runId },
          });
        const run = mapRun(runRow);
        const approvals = await approversOf(tx, gateId);
        const [open] = await tx.query(
          "SELECT 1 FROM gates WHERE run_id = $1 AND status = 'pending' AND kind = 'rollback' AND id <> $2 LIMIT 1",
          [run.id, gateId],
        );
        const judgement = judge(gate, run, { now, approvals, rollbackPending: open !== undefined });
        // A click that must first give a reason records nothing: the modal's submission is the decision.
        if (judgement.outcome === 'reason_needed')
          return { outcome: 'reason_needed', gate, run, reasonFor: judgement.action };
        const event = { ...judgement.event, details: { ...judgement.event.details, gateId, userId } };
        if (judgement.outcome === 'refused') {
          await insertEvents(tx, run.id, [event], now);
          return { outcome: 'refused', gate, run, reason: judgement.reason };
        }
        if (judgement.outcome !== 'rejected') {
          await tx.query(
            'INSERT INTO gate_approvals (gate_id, user_id, approved_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            [gateId, userId, now],
          );
        }
        if (judgement.outcome === 'recorded') {
          await insertEvents(tx, run.id, [event], now);
          return {
            outcome: 'recorded',
            gate,
            run,
            approvals: judgement.approvals,
            required: judgement.required,
          };
        }
        // The WHERE re-checks `pending` so a judge that forgot to cannot decide a gate twice.
        const [row] = await tx.query(
          `UPDATE gates SET status = $2, decided_by = $3, decided_at = $4
            WHERE id = $1 AND status = 'pending' RETURNING *`,
          [gateId, judgement.outcome, userId, now],
        );
        if (row === undefined) {
          throw new AppError(
            'E_STORE_CONFLICT',
            `This request was already ${gate.status}; nothing was changed.`,
            {
              details: { gateId, status: gate.status },
            },
          );
        }
        await insertEvents(tx, run.id, [event], now);
        return { outcome: judgement.outcome, gate: mapGate(row), run };
      });
    },

    approvalsOf: (gateId) => (UUID.test(gateId) ? approversOf(db, gateId) : Promise.resolve([])),

    withdrawApproval(gateId, reason) {
      if (!UUID.test(gateId)) return Promise.resolve(null);
      return db.withTransaction(async (tx) => {
        const now = await clock(tx);
        const [row] = await tx.query(
          `UPDATE gates SET status = 'superseded' WHERE id = $1 AND status = 'approved' RETURNING *`,
          [gateId],
        );
        if (row === undefined) return null;
        const gate = mapGate(row);
        const run = await runById(tx, gate.runId);
        await insertEvents(
          tx,
          gate.runId,
          [
            {
              actor: 'bot',
              kind: 'gate.superseded',
              phase: run.phase,
              details: {
                gateId,
                kind: gate.kind,
                targetWeight: gate.targetWeight,
                reason,
                wasApproved: true,
              },
            },
          ],
          now,
        );
        return gate;
      });
    },

    closePendingGates(runId, reason) {
      return db.withTransaction(async (tx) => {
        const run = await runById(tx, runId, true);
        const now = await clock(tx);
        const rows = await tx.query(
          `UPDATE gates SET status = 'superseded', decided_at = $2
            WHERE run_id = $1 AND status = 'pending' RETURNING *`,
          [runId, now],
        );
        const closed = rows.map(mapGate);
        await insertEvents(
          tx,
          runId,
          closed.map((g) => ({
            actor: 'bot',
            kind: 'gate.superseded',
            phase: run.phase,
            details: { gateId: g.id, kind: g.kind, targetWeight: g.targetWeight, reason },
          })),
          now,
        );
        return closed;
      });
    },

    expireDueGates(at) {
      return db.withTransaction(async (tx) => {
        const now = at ?? (await clock(tx));
        const rows = await tx.query(
          `UPDATE gates SET status = 'expired', decided_at = $1
            WHERE status = 'pending' AND expires_at <= $1 RETURNING *`,
          [now],
        );
        const expired = rows.map(mapGate);
        for (const gate of expired) {
          const run = await runById(tx, gate.runId);
          await insertEvents(
            tx,
            gate.runId,
            [
              {
                actor: 'bot',
                kind: 'gate.expired',
                phase: run.phase,
                details: { gateId: gate.id, kind: gate.kind, targetWeight: gate.targetWeight },
              },
            ],
            now,
          );
        }
        return expired;
      });
    },

    async nextGateExpiry() {
      const [row] = await db.query("SELECT min(expires_at) AS next FROM gates WHERE status = 'pending'");
      return row?.next instanceof Date ? row.next : null;
    },
  };
}
