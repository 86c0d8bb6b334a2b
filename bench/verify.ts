/**
 * verify benchmark (docs/contract.md#performance-targets): our consistency check of a 1,000,000-row Kong database X against
 * its restored copy Y, versus reading every table once with `COPY … TO STDOUT` on both sides
 * (concurrently, one psql per side, output discarded), measured in the same run. Target: ≤ 1.5×.
 * Run: npx tsx bench/verify.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { checkConsistency } from '../src/backup/check-consistency.js';
import { runPgDump } from '../src/backup/run-pg-dump.js';
import { runPgRestore } from '../src/backup/run-pg-restore.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import type { BenchResult } from './support/bench-result.js';
import { createSeededKongDatabase, runQuiet, timed } from './support/kong-bench-database.js';

const ROWS = 1_000_000;

async function publicTables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ t: string }>(
      "SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    return res.rows.map((r) => r.t);
  } finally {
    await client.end();
  }
}

/** Baseline: every table read once with COPY TO STDOUT, X and Y at the same time. */
async function copyBothSides(xUrl: string, yUrl: string, tables: string[]): Promise<void> {
  const args = (url: string) => [
    '-X',
    '-q',
    `--dbname=${url}`,
    ...tables.flatMap((t) => ['-c', `COPY ${t} TO STDOUT`]),
  ];
  await Promise.all([runQuiet('psql', args(xUrl)), runQuiet('psql', args(yUrl))]);
}

export async function run(): Promise<BenchResult> {
  const dbs: TestDatabase[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'kub-bench-verify-'));
  try {
    const x = await createSeededKongDatabase(ROWS);
    dbs.push(x);
    const y = await createTestDatabase('kub_bench');
    dbs.push(y);
    await runPgDump({ databaseUrl: x.url, dir: join(dir, 'bench-2'), jobs: 4 });
    await runPgRestore({ databaseUrl: y.url, dir: join(dir, 'bench-2'), jobs: 4, runId: 'bench-2' });
    const tables = await publicTables(x.url);
    // Warm both paths once so neither pays for a cold cache alone.
    await copyBothSides(x.url, y.url, tables);
    const baseline = await timed(() => copyBothSides(x.url, y.url, tables));
    const ours = await timed(() => checkConsistency({ xUrl: x.url, yUrl: y.url }));
    if (!ours.value.equal) throw new Error('the restored copy was reported different; the benchmark is void');
    return {
      name: 'verify',
      ratio: Number((ours.ms / baseline.ms).toFixed(3)),
      target: '≤ 1.5×',
      ok: ours.ms / baseline.ms <= 1.5,
      details: {
        rows: ours.value.tables.reduce((a, t) => a + t.xRows, 0),
        tables: ours.value.tables.length,
        oursMs: ours.ms,
        copyBaselineMs: baseline.ms,
      },
    };
  } finally {
    await Promise.all(dbs.map((d) => d.drop()));
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await run();
  console.log(JSON.stringify(result, null, 2));
  console.log(`${result.name}: ${result.ratio}× (target ${result.target}) ${result.ok ? 'PASS' : 'MISS'}`);
}
