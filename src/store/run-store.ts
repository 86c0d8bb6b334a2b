import { isTerminal, PHASES, type Phase, type Run, TERMINAL_PHASES } from '../domain/run.js';
import type { NewRunEvent, RunEvent } from '../domain/run-event.js';
import { AppError, isAppError } from '../errors.js';
import { coalesceReads } from './coalesce-reads.js';
import type { Db, Queryable } from './db.js';
import { insertEvents } from './insert-events.js';
import { mapEvent, mapRun, type RunPatch, runColumns, runPatchToColumns } from './row-mappers.js';
import { type StoreOptions, storeClock } from './store-options.js';
import { insertThreadLines, type ThreadLine } from './thread-outbox.js';

export type { RunPatch } from './row-mappers.js';

export interface NewRunInput {
  environment: string;
  requestedBy: string;
  channel: string;
  planSteps: number[];
  dryRun: boolean;
  fromVersion?: string | null;
  toVersion?: string | null;
}

export type CreateRunResult =
  | { ok: true; run: Run }
  | { ok: false; reason: 'active_run_exists'; activeRun: Run };

/** Runs (`runs`). "Active" means not in a terminal phase. */
export interface RunStore {
  /** Allocates `<environment>-<n>` and writes the run (phase `preflight`) and its event in one transaction. */
  createRun(input: NewRunInput, event: NewRunEvent): Promise<CreateRunResult>;
  getRun(id: string): Promise<Run | null>;
  /**
   * The run, the database clock and whether a rollback gate of the run is open, in one round trip:
   * what a decision needs, so that the times it compares all come from PostgreSQL.
   */
  getRunAt(id: string): Promise<{ run: Run; now: Date; rollbackPending: boolean } | null>;
  /** The store's clock: PostgreSQL's `now()` (or the test clock). */
  time(): Promise<Date>;
  /**
   * The newest run of the environment that ended without bringing traffic back (aborted or failed with
   * Y above 0 %): a new run must not start on top of its live split.
   */
  findRunLeavingTraffic(environment: string): Promise<Run | null>;
  /** Just the phase (null: no such run): what running jobs poll. */
  getPhase(id: string): Promise<Run['phase'] | null>;
  /**
   * X's configuration fingerprint taken at the freeze (null: none, or no such run). Kept out of every
   * other read: with many consumers and credentials it runs to megabytes.
   */
  getXFingerprint(id: string): Promise<unknown>;
  /** The run and its newest `limit` events (oldest first) in one round trip: the ack path's read. */
  getRunWithRecentEvents(id: string, limit: number): Promise<{ run: Run; events: RunEvent[] } | null>;
  /** The one active non-dry-run run of an environment, if any. */
  findActiveRun(environment: string): Promise<Run | null>;
  /** Newest active run (dry runs included) started in this channel. */
  newestActiveRunInChannel(channel: string): Promise<Run | null>;
  /** Newest first; `limit` is clamped to 1..500. */
  listRuns(options: { limit: number; activeOnly?: boolean }): Promise<Run[]>;
  /** Every active run, dry runs included, oldest first (for the start-up reconciler). */
  listActiveRuns(): Promise<Run[]>;
  /**
   * Applies `patch` if the run is still at `expectedVersion`, bumping `version` and `updated_at`
   * (and `phase_started_at` when the phase changes; `finished_at` when it becomes terminal, unless
   * given), and writes `events` in the same transaction. A stale version throws E_STORE_CONFLICT
   * (retryable: reload and decide again); an unknown id throws E_NOT_FOUND. `threadLines` go to the
   * thread outbox in the same transaction (posted after the commit, see ThreadOutbox).
   */
  updateRun(
    id: string,
    expectedVersion: number,
    patch: RunPatch,
    events: NewRunEvent[],
    threadLines?: ReadonlyArray<string | ThreadLine>,
  ): Promise<Run>;
  /**
   * Posts the run card once, across processes: claims the run's card for a while (one statement),
   * calls `post` outside any transaction, and records the returned ts as card and thread. A concurrent
   * caller waits (polling, holding no connection) up to 15 s for that card. A poster that dies between
   * Slack's answer and the record lets its claim run out and the card is posted again (at least once
   * rather than at most once). Returns the updated run, or null when there was nothing to do.
   */
  recordCardOnce(runId: string, post: (run: Run) => Promise<{ ts: string }>): Promise<Run | null>;
}

function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

/** How long a poster holds a run's card: longer than the notifier's retries may take. */
const CARD_CLAIM_MS = 120_000;
const CARD_WAIT_POLL_MS = 100;
const CARD_WAIT_MS = 15_000;

const ACTIVE = 'phase <> ALL($TERMINAL::text[])';
const ACTIVE_INDEX = 'runs_one_active_per_environment';

/** Thrown inside the transaction to roll the number allocation back. */
class ActiveRunExists extends Error {
  constructor(readonly activeRun: Run) {
    super('active run exists');
  }
}

export function createRunStore(db: Db, options: StoreOptions = {}): RunStore {
  const clock = storeClock(options);
  const terminal = [...TERMINAL_PHASES];

  async function selectOne(q: Queryable, where: string, params: unknown[]): Promise<Run | null> {
    const needsTerminal = where.includes('$TERMINAL');
    const sql = `SELECT ${runColumns()} FROM runs WHERE ${where.replaceAll('$TERMINAL', () => `$${params.length + 1}`)}`;
    const rows = await q.query(sql, needsTerminal ? [...params, terminal] : params);
    return rows[0] === undefined ? null : mapRun(rows[0]);
  }

  async function createOnce(input: NewRunInput, event: NewRunEvent): Promise<CreateRunResult> {
    try {
      const run = await db.withTransaction(async (tx) => {
        // Locks the environment's counter row until commit: concurrent starts queue up here.
        const [counter] = await tx.query(
          `INSERT INTO environment_counters (environment, last_number) VALUES ($1, 1)
           ON CONFLICT (environment) DO UPDATE SET last_number = environment_counters.last_number + 1
           RETURNING last_number`,
          [input.environment],
        );
        const number = Number(counter?.last_number);
        if (!input.dryRun) {
          const active = await selectOne(tx, `environment = $1 AND NOT dry_run AND ${ACTIVE}`, [
            input.environment,
          ]);
          if (active !== null) throw new ActiveRunExists(active);
        }
        const now = await clock(tx);
        const [row] = await tx.query(
          `INSERT INTO runs (id, environment, number, phase, dry_run, requested_by, channel, from_version,
                             to_version, plan_steps, created_at, updated_at, phase_started_at)
           VALUES ($1, $2, $3, 'preflight', $4, $5, $6, $7, $8, $9, $10, $10, $10)
           RETURNING ${runColumns()}`,
          [
            `${input.environment}-${number}`,
            input.environment,
            number,
            input.dryRun,
            input.requestedBy,
            input.channel,
            input.fromVersion ?? null,
            input.toVersion ?? null,
            input.planSteps,
            now,
          ],
        );
        if (row === undefined)
          throw new AppError('E_UNKNOWN', 'PostgreSQL returned no row for a run insert.');
        const created = mapRun(row);
        await insertEvents(tx, created.id, [event], now);
        return created;
      });
      return { ok: true, run };
    } catch (error) {
      if (error instanceof ActiveRunExists)
        return { ok: false, reason: 'active_run_exists', activeRun: error.activeRun };
      throw error;
    }
  }

  async function loadRunsWithRecentEvents(ids: string[], limit: number) {
    const rows = await db.query(
      `SELECT ${runColumns('r')}, (SELECT coalesce(json_agg(e ORDER BY e.id), '[]'::json)
                      FROM (SELECT * FROM run_events WHERE run_id = r.id ORDER BY id DESC LIMIT $2) e) AS recent_events
         FROM runs r WHERE r.id = ANY($1::text[])`,
      [ids, limit],
    );
    const found = new Map<string, { run: Run; events: RunEvent[] }>();
    for (const row of rows) {
      const { recent_events: recent, ...runRow } = row;
      const events = (recent as Record<string, unknown>[]).map((e) =>
        mapEvent({ ...e, at: new Date(String(e.at)) }),
      );
      const run = mapRun(runRow);
      found.set(run.id, { run, events });
    }
    return found;
  }
  // Status bursts share reads (see coalesceReads): one per distinct event limit.
  const recentReads = new Map<
    number,
    (id: string) => Promise<{ run: Run; events: RunEvent[] } | undefined>
  >();

  return {
    async getPhase(id) {
      const [row] = await db.query('SELECT phase FROM runs WHERE id = $1', [id]);
      if (row === undefined) return null;
      const phase = String(row.phase);
      if (!isPhase(phase)) throw new AppError('E_UNKNOWN', `Run ${id} has an unknown phase in the database.`);
      return phase;
    },

    async getXFingerprint(id) {
      const [row] = await db.query('SELECT x_fingerprint FROM runs WHERE id = $1', [id]);
      return row?.x_fingerprint ?? null;
    },

    async getRunWithRecentEvents(id, limit) {
      const n = Math.max(1, Math.min(limit, 100));
      let read = recentReads.get(n);
      if (!read) {
        read = coalesceReads((ids: string[]) => loadRunsWithRecentEvents(ids, n));
        recentReads.set(n, read);
      }
      return (await read(id)) ?? null;
    },

    async recordCardOnce(runId, post) {
      // Claim, post, record (see GateStore.recordGateMessageOnce): no Slack call inside a transaction.
      // A caller that finds another's claim waits for that card (its thread is where the caller posts).
      const deadline = Date.now() + CARD_WAIT_MS;
      for (;;) {
        const now = await clock(db);
        const [claimed] = await db.query(
          `UPDATE runs SET card_claimed_until = $2
            WHERE id = $1 AND card_ts IS NULL AND (card_claimed_until IS NULL OR card_claimed_until < $3)
            RETURNING ${runColumns()}`,
          [runId, new Date(now.getTime() + CARD_CLAIM_MS), now],
        );
        if (claimed !== undefined) {
          let ts: string;
          try {
            ts = (await post(mapRun(claimed))).ts;
          } catch (err) {
            await db
              .query('UPDATE runs SET card_claimed_until = NULL WHERE id = $1', [runId])
              .catch(() => undefined);
            throw err;
          }
          const [row] = await db.query(
            `UPDATE runs SET card_ts = $2, thread_ts = $2, card_claimed_until = NULL, version = version + 1,
                    updated_at = $3
              WHERE id = $1 RETURNING ${runColumns()}`,
            [runId, ts, await clock(db)],
          );
          return row === undefined ? null : mapRun(row);
        }
        const [current] = await db.query('SELECT card_ts, card_claimed_until FROM runs WHERE id = $1', [
          runId,
        ]);
        if (current === undefined || current.card_ts !== null || Date.now() > deadline) return null;
        await new Promise((r) => setTimeout(r, CARD_WAIT_POLL_MS));
      }
    },

    async createRun(input, event) {
      if (!/^[a-z0-9][a-z0-9_-]*$/i.test(input.environment)) {
        throw new AppError(
          'E_INVALID_INPUT',
          `"${input.environment}" is not a valid environment name (letters, digits, - and _).`,
        );
      }
      // The index is the last line of defence; the counter lock makes hitting it (nearly) impossible.
      for (let attempt = 1; ; attempt++) {
        try {
          return await createOnce(input, event);
        } catch (error) {
          const raced = isAppError(error) && error.details.constraint === ACTIVE_INDEX;
          if (!raced || attempt >= 3) throw error;
        }
      }
    },

    getRun: (id) => selectOne(db, 'id = $1', [id]),

    async getRunAt(id) {
      const [row] = await db.query(
        `SELECT ${runColumns('r')}, now() AS db_now,
                EXISTS (SELECT 1 FROM gates g WHERE g.run_id = r.id AND g.status = 'pending' AND g.kind = 'rollback')
                  AS rollback_pending
           FROM runs r WHERE r.id = $1`,
        [id],
      );
      if (row === undefined) return null;
      const { db_now: dbNow, rollback_pending: rollbackPending, ...runRow } = row;
      return {
        run: mapRun(runRow),
        now: options.clock ? options.clock() : (dbNow as Date),
        rollbackPending: rollbackPending === true,
      };
    },

    time: () => clock(db),

    findRunLeavingTraffic: (environment) =>
      selectOne(
        db,
        `environment = $1 AND NOT dry_run AND phase IN ('aborted', 'failed') AND applied_weight > 0
         ORDER BY created_at DESC, number DESC LIMIT 1`,
        [environment],
      ),

    findActiveRun: (environment) =>
      selectOne(db, `environment = $1 AND NOT dry_run AND ${ACTIVE}`, [environment]),

    newestActiveRunInChannel: (channel) =>
      selectOne(db, `channel = $1 AND ${ACTIVE} ORDER BY created_at DESC, number DESC LIMIT 1`, [channel]),

    async listRuns({ limit, activeOnly = false }) {
      const bounded = Number.isFinite(limit) ? Math.min(500, Math.max(1, Math.trunc(limit))) : 50;
      const rows = await db.query(
        `SELECT ${runColumns()} FROM runs WHERE (NOT $1 OR phase <> ALL($2::text[]))
         ORDER BY created_at DESC, number DESC LIMIT $3`,
        [activeOnly, terminal, bounded],
      );
      return rows.map(mapRun);
    },

    async listActiveRuns() {
      const rows = await db.query(
        `SELECT ${runColumns()} FROM runs WHERE phase <> ALL($1::text[]) ORDER BY created_at, id`,
        [terminal],
      );
      return rows.map(mapRun);
    },

    updateRun(id, expectedVersion, patch, events, threadLines = []) {
      return db.withTransaction(async (tx) => {
        const now = await clock(tx);
        const columns = runPatchToColumns(patch);
        if (patch.phase !== undefined && isTerminal(patch.phase) && patch.finishedAt === undefined) {
          columns.push(['finished_at', now]);
        }
        const params: unknown[] = [id, expectedVersion, now];
        const sets = ['version = version + 1', 'updated_at = $3'];
        for (const [column, value] of columns) {
          params.push(value);
          sets.push(`${column} = $${params.length}`);
          if (column === 'phase') {
            sets.push(
              `phase_started_at = CASE WHEN phase IS DISTINCT FROM $${params.length} THEN $3 ELSE phase_started_at END`,
            );
          }
        }
        const [row] = await tx.query(
          `UPDATE runs SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING ${runColumns()}`,
          params,
        );
        if (row === undefined) throw await staleOrMissing(tx, id, expectedVersion);
        const run = mapRun(row);
        await insertEvents(tx, id, events, now);
        await insertThreadLines(tx, id, threadLines, now);
        return run;
      });
    },
  };
}

async function staleOrMissing(q: Queryable, id: string, expectedVersion: number): Promise<AppError> {
  const [current] = await q.query('SELECT version FROM runs WHERE id = $1', [id]);
  if (current === undefined) {
    return new AppError('E_NOT_FOUND', `There is no run ${id}.`, { details: { runId: id } });
  }
  return new AppError(
    'E_STORE_CONFLICT',
    `Run ${id} changed while this update was being prepared (expected version ${expectedVersion}, found ${String(current.version)}). Reload it and try again.`,
    { retryable: true, details: { runId: id, expectedVersion, actualVersion: current.version } },
  );
}
