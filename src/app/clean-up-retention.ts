import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { RetentionConfig } from '../config/retention-schema.js';
import type { Db, Queryable } from '../store/db.js';

const DAY_MS = 86_400_000;
// One cleanup at a time across every worker process; the key is arbitrary but fixed.
const CLEANUP_LOCK_KEY = 0x6b756272;

export interface CleanupReport {
  /** Backup directories removed (their rows stay, marked removed). */
  backups: { runId: string; path: string }[];
  metricSamples: number;
  outboxLines: number;
}

/**
 * Removes what `retention` says has been kept long enough: backup directories of runs that ended more
 * than `backupDays` ago, metric samples of runs that ended more than `metricSampleDays` ago, and thread
 * lines posted (or given up) more than `outboxDays` ago. Nothing of a run still in progress, and never
 * the audit log. Logs and audits what it removed.
 */
export async function cleanUpRetention(
  tx: Queryable,
  retention: RetentionConfig,
  now: Date,
  log: Logger,
): Promise<CleanupReport> {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const due = await tx.query(
    `SELECT b.id, b.run_id, b.path FROM backups b JOIN runs r ON r.id = b.run_id
      WHERE r.finished_at IS NOT NULL AND r.finished_at < $1 AND b.removed_at IS NULL ORDER BY b.id`,
    [before(retention.backupDays)],
  );
  const backups: CleanupReport['backups'] = [];
  for (const row of due) {
    const path = String(row.path);
    // The bot names each backup directory after its run: anything else is not removed blindly.
    if (basename(path) !== String(row.run_id)) {
      log.warn(
        { runId: row.run_id, path },
        'retention: a backup path that is not <backup.dir>/<run> is left alone',
      );
      continue;
    }
    // An interrupted dump may have left its `.partial` sibling.
    await rm(path, { recursive: true, force: true });
    await rm(`${path}.partial`, { recursive: true, force: true });
    await tx.query('UPDATE backups SET removed_at = $2 WHERE id = $1', [row.id, now]);
    backups.push({ runId: String(row.run_id), path });
  }
  const samples = await tx.query(
    `WITH gone AS (DELETE FROM metric_samples s USING runs r
       WHERE r.id = s.run_id AND r.finished_at IS NOT NULL AND r.finished_at < $1 RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [before(retention.metricSampleDays)],
  );
  const outbox = await tx.query(
    `WITH gone AS (DELETE FROM thread_outbox
       WHERE (sent_at IS NOT NULL OR given_up_at IS NOT NULL) AND created_at < $1 RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [before(retention.outboxDays)],
  );
  const report: CleanupReport = {
    backups,
    metricSamples: Number(samples[0]?.n ?? 0),
    outboxLines: Number(outbox[0]?.n ?? 0),
  };
  await tx.query(
    `INSERT INTO audit_events (at, actor, kind, details) VALUES ($1, 'system', 'retention.cleanup', $2)`,
    [now, JSON.stringify(report)],
  );
  log.info(
    {
      backups: backups.map((b) => `${b.runId}: ${b.path}`),
      metricSamples: report.metricSamples,
      outboxLines: report.outboxLines,
    },
    `retention cleanup removed ${backups.length} backup(s), ${report.metricSamples} metric sample(s), ${report.outboxLines} thread line(s)`,
  );
  return report;
}

/**
 * Runs the cleanup when the last one (recorded in `audit_events`) is a day old or more, in one worker
 * at a time. Returns the report, or null when it was not due or another worker holds the lock.
 */
export async function cleanUpIfDue(
  db: Db,
  retention: RetentionConfig,
  now: Date,
  log: Logger,
): Promise<CleanupReport | null> {
  return db.withTransaction(async (tx) => {
    const lock = await tx.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [CLEANUP_LOCK_KEY]);
    if (lock[0]?.ok !== true) return null;
    const last = await tx.query("SELECT max(at) AS at FROM audit_events WHERE kind = 'retention.cleanup'");
    const at = last[0]?.at as Date | null | undefined;
    if (at && now.getTime() - at.getTime() < DAY_MS) return null;
    return cleanUpRetention(tx, retention, now, log);
  });
}

/**
 * The daily cleanup job of a worker process: checks every `checkEveryMs` (default an hour, and once
 * shortly after start) whether a day has passed since the last cleanup, and runs it then. Failures are
 * logged and tried again at the next check.
 */
export function startRetentionSchedule(options: {
  db: Db;
  retention: RetentionConfig;
  log: Logger;
  now?: () => Date;
  checkEveryMs?: number;
  firstCheckMs?: number;
}): { stop(): void } {
  const now = options.now ?? (() => new Date());
  let running = false;
  const check = () => {
    if (running) return;
    running = true;
    cleanUpIfDue(options.db, options.retention, now(), options.log)
      .catch((err: unknown) =>
        options.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'retention cleanup failed; the next check tries again',
        ),
      )
      .finally(() => {
        running = false;
      });
  };
  const first = setTimeout(check, options.firstCheckMs ?? 60_000);
  const timer = setInterval(check, options.checkEveryMs ?? 3_600_000);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
