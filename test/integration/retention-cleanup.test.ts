import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpIfDue } from '../../src/app/clean-up-retention.js';
import { retentionSchema } from '../../src/config/retention-schema.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { minimalConfigObject, parseConfigObject, withConfigKey } from '../support/config-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * `retention`: backups of runs that ended more than N days ago are removed (files and all), metric
 * samples and posted thread lines too; a run in progress keeps everything; the audit log stays. The
 * daily job logs and audits what it removed, and runs at most once a day across workers.
 */
const NOW = new Date('2026-06-01T03:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

let testDb: TestDatabase;
let db: Db;
let store: Store;
let root: string;
const runs: Record<'old' | 'recent' | 'active', string> = { old: '', recent: '', active: '' };
const dirs: Record<string, string> = {};
const logs: string[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _e, done) {
      logs.push(String(chunk));
      done();
    },
  }),
);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  testDb = await createTestDatabase('kub_retention');
  await migrate({ databaseUrl: testDb.url });
  db = createDb({ databaseUrl: testDb.url });
  store = createStore(db);
  root = await mkdtemp(join(tmpdir(), 'kub-retention-'));
  for (const [key, env, ended] of [
    ['old', 'prod', daysAgo(20)],
    ['recent', 'staging', daysAgo(3)],
    ['active', 'dev', null],
  ] as const) {
    const created = await store.runs.createRun(
      { environment: env, requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: false },
      { actor: 'U1', kind: 'command.start', phase: null, details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    const id = created.run.id;
    runs[key] = id;
    if (ended)
      await db.query("UPDATE runs SET phase = 'completed', finished_at = $2 WHERE id = $1", [id, ended]);
    const dir = join(root, id);
    await mkdir(dir);
    await writeFile(join(dir, 'toc.dat'), 'secret credentials of X');
    dirs[key] = dir;
    await db.query(
      `INSERT INTO backups (run_id, path, format, started_at, finished_at, status)
       VALUES ($1, $2, 'directory', $3, $3, 'succeeded')`,
      [id, dir, daysAgo(30)],
    );
    await db.query(
      `INSERT INTO metric_samples (run_id, cluster, window_start, window_end, requests, errors_5xx, errors_4xx, rate)
       VALUES ($1, 'x', $2, $2, 10, 0, 0, 1)`,
      [id, daysAgo(100)],
    );
    await db.query(
      `INSERT INTO thread_outbox (run_id, text, created_at, sent_at) VALUES ($1, 'posted', $2, $2), ($1, 'unsent', $2, NULL)`,
      [id, daysAgo(40)],
    );
  }
}, 60_000);
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
  await rm(root, { recursive: true, force: true });
});

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query(sql, params))[0]?.n ?? 0);
}

describe('retention', () => {
  it('is configured under retention, with defaults, and refuses nonsense', () => {
    expect(parseConfigObject(minimalConfigObject()).retention).toEqual({
      backupDays: 14,
      metricSampleDays: 90,
      outboxDays: 30,
    });
    expect(() => parseConfigObject(withConfigKey(minimalConfigObject(), 'retention.backupDays', 0))).toThrow(
      /retention\.backupDays/,
    );
  });

  it('removes what is due, keeps runs in progress and the audit log, and says what it removed', async () => {
    const events = await count('SELECT count(*)::int AS n FROM run_events');
    const retention = retentionSchema.parse({ backupDays: 14, metricSampleDays: 10, outboxDays: 30 });
    const report = await cleanUpIfDue(db, retention, NOW, log);
    expect(report?.backups).toEqual([{ runId: runs.old, path: dirs.old }]);
    expect(await exists(dirs.old ?? '')).toBe(false);
    expect(await exists(dirs.recent ?? '')).toBe(true);
    expect(await exists(dirs.active ?? '')).toBe(true);
    expect(await count('SELECT count(*)::int AS n FROM backups WHERE removed_at IS NOT NULL')).toBe(1);
    // Samples of the run that ended 20 days ago; the one that ended 3 days ago and the active one keep theirs.
    expect(report?.metricSamples).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM metric_samples WHERE run_id = $1', [runs.old])).toBe(
      0,
    );
    expect(await count('SELECT count(*)::int AS n FROM metric_samples')).toBe(2);
    // Posted lines older than 30 days; unsent ones stay.
    expect(report?.outboxLines).toBe(3);
    expect(await count('SELECT count(*)::int AS n FROM thread_outbox WHERE sent_at IS NULL')).toBe(3);
    expect(await count('SELECT count(*)::int AS n FROM run_events')).toBe(events);
    const audited = await store.audit.recent(5);
    expect(audited[0]).toMatchObject({
      actor: 'system',
      kind: 'retention.cleanup',
      details: { metricSamples: 1 },
    });
    expect(logs.join('')).toContain(
      `retention cleanup removed 1 backup(s), 1 metric sample(s), 3 thread line(s)`,
    );
    expect(logs.join('')).toContain(dirs.old);
  });

  it('runs at most once a day', async () => {
    const retention = retentionSchema.parse({});
    expect(await cleanUpIfDue(db, retention, new Date(NOW.getTime() + 3_600_000), log)).toBeNull();
    const next = await cleanUpIfDue(db, retention, new Date(NOW.getTime() + 86_400_000), log);
    expect(next).toMatchObject({ backups: [], metricSamples: 0, outboxLines: 0 });
  });
});
