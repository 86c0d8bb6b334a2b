/**
 * drift at scale benchmark (docs/contract.md#performance-targets): one drift check of an X with 1,000,000 entities, as the
 * compare and shift jobs run it (X's database digests each configuration table; the Admin API is not
 * read while nothing changed), against reading every configuration table of X once with
 * `COPY … TO STDOUT` (psql, output discarded), measured in the same run. Target: ≤ 5 s and ≤ 150 MB
 * RSS added to the bot's process. `DRIFT_BENCH_ROWS` shrinks X (CI runs a small version).
 * Run: npx tsx bench/drift.ts
 */
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { readTableDigests } from '../src/backup/table-digests.js';
import { checkDrift } from '../src/engine/check-drift.js';
import { createXDigestCheck } from '../src/engine/x-digest-check.js';
import { fingerprintConfig } from '../src/kong/fingerprint.js';
import type { KongAdmin } from '../src/kong/kong-admin.js';
import type { KongSnapshot } from '../src/kong/kong-entity-types.js';
import { createStore } from '../src/store/create-store.js';
import { createDb } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import type { BenchResult } from './support/bench-result.js';
import { createSeededKongDatabase, runQuiet, timed } from './support/kong-bench-database.js';

const TARGET_SECONDS = 5;
const TARGET_RSS_MB = 150;

/** Peak RSS above the level at the start, sampled every 10 ms while `fn` runs. */
async function rssAdded<T>(fn: () => Promise<T>): Promise<{ value: T; addedMb: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, addedMb: Math.round(((peak - start) / 1024 / 1024) * 10) / 10 };
  } finally {
    clearInterval(timer);
  }
}

export async function run(options: { rows?: number } = {}): Promise<BenchResult> {
  const rows = options.rows ?? Number(process.env.DRIFT_BENCH_ROWS ?? 1_000_000);
  const dbs: TestDatabase[] = [];
  try {
    const x = await createSeededKongDatabase(rows);
    dbs.push(x);
    const botDb = await createTestDatabase('kub_bench');
    dbs.push(botDb);
    await migrate({ databaseUrl: botDb.url });
    const db = createDb({ databaseUrl: botDb.url });
    try {
      const store = createStore(db);
      const created = await store.runs.createRun(
        { environment: 'prod', requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: false },
        { actor: 'U1', kind: 'command.start', phase: null, details: {} },
      );
      if (!created.ok) throw new Error('the benchmark run could not be created');
      const runId = created.run.id;
      await db.query('UPDATE runs SET x_fingerprint = $2 WHERE id = $1', [
        runId,
        JSON.stringify(fingerprintConfig({} as KongSnapshot)),
      ]);
      const run = await store.runs.getRun(runId);
      if (run === null) throw new Error('the benchmark run vanished');
      const log = pino({ level: 'silent' });
      const xDigests = createXDigestCheck({ databaseUrl: x.url, store: store.freezeDigests, log });
      if (!(await xDigests.record(runId))) throw new Error("X's digests could not be recorded");
      // The Admin API must not be needed while X is unchanged: any call voids the benchmark.
      const admin = new Proxy({} as KongAdmin, {
        get(_t, prop) {
          throw new Error(`the drift check read X's Admin API (${String(prop)})`);
        },
      });
      const tables = Object.keys(await readTableDigests(x.url)).map((t) =>
        t
          .split('.')
          .map((p) => `"${p.replaceAll('"', '""')}"`)
          .join('.'),
      );
      const copyAll = () =>
        runQuiet('psql', [
          '-X',
          '-q',
          `--dbname=${x.url}`,
          ...tables.flatMap((t) => ['-c', `COPY ${t} TO STDOUT`]),
        ]);
      // Warm both paths once so neither pays for a cold cache alone.
      await copyAll();
      await checkDrift(run, { runs: store.runs, x: admin, xDigests });
      const baseline = await timed(copyAll);
      const ours = await rssAdded(() =>
        timed(() => checkDrift(run, { runs: store.runs, x: admin, xDigests })),
      );
      if (ours.value.value === null || ours.value.value.length !== 0)
        throw new Error('an unchanged X was not reported unchanged; the benchmark is void');
      const seconds = ours.value.ms / 1000;
      return {
        name: 'drift at scale',
        ratio: Number((ours.value.ms / baseline.ms).toFixed(3)),
        target: `≤ ${TARGET_SECONDS} s and ≤ ${TARGET_RSS_MB} MB RSS added`,
        ok: seconds <= TARGET_SECONDS && ours.addedMb <= TARGET_RSS_MB,
        measured: `${seconds.toFixed(2)} s, +${ours.addedMb} MB RSS`,
        baseline: `${(baseline.ms / 1000).toFixed(2)} s (COPY every table)`,
        details: {
          entities: rows,
          tables: tables.length,
          oursMs: ours.value.ms,
          rssAddedMb: ours.addedMb,
          copyBaselineMs: baseline.ms,
        },
      };
    } finally {
      await db.close();
    }
  } finally {
    await Promise.all(dbs.map((d) => d.drop()));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
  process.exit(result.ok ? 0 : 1);
}
