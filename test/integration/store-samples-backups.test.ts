import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupStore, createBackupStore } from '../../src/store/backup-store.js';
import { createStore } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import {
  createMetricSampleStore,
  type MetricSampleStore,
  type NewMetricSample,
} from '../../src/store/metric-sample-store.js';
import { migrate } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let db: Db;
let samples: MetricSampleStore;
let backups: BackupStore;
let runId = '';
const T0 = new Date('2025-11-26T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

beforeAll(async () => {
  testDb = await createTestDatabase('kub_store_samples');
  await migrate({ databaseUrl: testDb.url });
  db = createDb({ databaseUrl: testDb.url });
  samples = createMetricSampleStore(db);
  backups = createBackupStore(db);
  const store = createStore(db);
  const created = await store.runs.createRun(
    { environment: 'prod', requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: false },
    { actor: 'U1', kind: 'command.start', phase: null, details: {} },
  );
  if (!created.ok) throw new Error('run not created');
  runId = created.run.id;
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

function sample(over: Partial<NewMetricSample> = {}): NewMetricSample {
  return {
    runId,
    cluster: 'x',
    windowStart: at(0),
    windowEnd: at(60),
    requests: 1200,
    errors5xx: 3,
    errors4xx: 40.5,
    p50: 12.5,
    p95: 80,
    p99: 140.25,
    rate: 20,
    ...over,
  };
}

describe('MetricSampleStore', () => {
  it('stores samples and lists them by window, x before y', async () => {
    const y2 = await samples.insertSample(
      sample({ cluster: 'y', windowStart: at(60), windowEnd: at(120), verdict: 'fail' }),
    );
    const x1 = await samples.insertSample(sample({ details: { source: 'kong' } }));
    const y1 = await samples.insertSample(
      sample({ cluster: 'y', p50: null, p95: null, p99: null, verdict: 'pass' }),
    );
    expect(x1).toEqual({ id: expect.any(Number), ...sample(), verdict: null, details: { source: 'kong' } });
    expect(y1).toMatchObject({ p50: null, verdict: 'pass' });
    expect((await samples.listSamples(runId)).map((s) => s.id)).toEqual([x1.id, y1.id, y2.id]);
    expect(await samples.listSamples('other-1')).toEqual([]);
  });

  it('rejects bad data at the database: unknown cluster, window ending before it starts, unknown run', async () => {
    await expect(samples.insertSample(sample({ cluster: 'z' as 'x' }))).rejects.toMatchObject({
      code: 'E_UNKNOWN',
    });
    await expect(samples.insertSample(sample({ windowEnd: at(-1) }))).rejects.toMatchObject({
      code: 'E_UNKNOWN',
    });
    await expect(samples.insertSample(sample({ runId: 'ghost-1' }))).rejects.toMatchObject({
      details: { sqlState: '23503' },
    });
  });
});

describe('BackupStore', () => {
  it('records a running backup, then replaces it with the finished one for the same path', async () => {
    expect(await backups.getLatestBackup(runId)).toBeNull();
    const running = await backups.recordBackup({
      runId,
      path: '/backups/prod-1',
      format: 'directory',
      startedAt: at(0),
      status: 'running',
    });
    expect(running).toMatchObject({
      sizeBytes: null,
      manifest: {},
      rowCounts: {},
      finishedAt: null,
      status: 'running',
    });
    const done = await backups.recordBackup({
      runId,
      path: '/backups/prod-1',
      format: 'directory',
      startedAt: at(0),
      finishedAt: at(90),
      status: 'succeeded',
      sizeBytes: 6_000_000_000,
      manifest: { 'toc.dat': 'ab'.repeat(32), '3001.dat.gz': 'cd'.repeat(32) },
      rowCounts: { 'public.services': 120, 'public.routes': 340 },
    });
    expect(done.id).toBe(running.id);
    expect(await backups.getLatestBackup(runId)).toEqual({
      id: running.id,
      runId,
      path: '/backups/prod-1',
      format: 'directory',
      sizeBytes: 6_000_000_000,
      manifest: { 'toc.dat': 'ab'.repeat(32), '3001.dat.gz': 'cd'.repeat(32) },
      rowCounts: { 'public.services': 120, 'public.routes': 340 },
      startedAt: at(0),
      finishedAt: at(90),
      status: 'succeeded',
    });
  });

  it('returns the most recently started backup of the run', async () => {
    await backups.recordBackup({
      runId,
      path: '/backups/prod-1-retry',
      format: 'directory',
      startedAt: at(300),
      status: 'failed',
    });
    expect((await backups.getLatestBackup(runId))?.path).toBe('/backups/prod-1-retry');
  });

  it('rejects an unknown status', async () => {
    await expect(
      backups.recordBackup({
        runId,
        path: '/x',
        format: 'directory',
        startedAt: at(0),
        status: 'maybe' as 'failed',
      }),
    ).rejects.toMatchObject({ code: 'E_UNKNOWN', details: { sqlState: '23514' } });
  });
});
