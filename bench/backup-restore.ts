/**
 * backup+restore benchmark (docs/contract.md#performance-targets): our backup and restore (directory format, jobs=4, with row
 * counts, sha256 manifest and its verification) of a 1,000,000-row Kong database, against
 * `pg_dump -Fc | pg_restore` piped, measured in the same run. Target: ratio ≤ 0.8.
 * Run: npx tsx bench/backup-restore.ts
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPgDump } from '../src/backup/run-pg-dump.js';
import { runPgRestore } from '../src/backup/run-pg-restore.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import type { BenchResult } from './support/bench-result.js';
import { createSeededKongDatabase, timed } from './support/kong-bench-database.js';

const ROWS = 1_000_000;
const JOBS = 4;

/** The baseline: `pg_dump -Fc <x> | pg_restore --dbname=<y>`, the two processes piped directly. */
function pipedDumpRestore(xUrl: string, yUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const dump = spawn('pg_dump', ['-Fc', `--dbname=${xUrl}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const restore = spawn('pg_restore', ['--no-owner', `--dbname=${yUrl}`], {
      stdio: ['pipe', 'inherit', 'inherit'],
    });
    dump.stdout.pipe(restore.stdin);
    let pending = 2;
    const done = (name: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${name} exited ${code}`));
      else if (--pending === 0) resolve();
    };
    dump.once('close', done('pg_dump'));
    restore.once('close', done('pg_restore'));
  });
}

export async function run(): Promise<BenchResult> {
  const dbs: TestDatabase[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'kub-bench-backup-'));
  try {
    const x = await createSeededKongDatabase(ROWS);
    dbs.push(x);
    const yBaseline = await createTestDatabase('kub_bench');
    dbs.push(yBaseline);
    const yOurs = await createTestDatabase('kub_bench');
    dbs.push(yOurs);

    const baseline = await timed(() => pipedDumpRestore(x.url, yBaseline.url));
    const backupDir = join(dir, 'bench-1');
    const backup = await timed(() => runPgDump({ databaseUrl: x.url, dir: backupDir, jobs: JOBS }));
    const restore = await timed(() =>
      runPgRestore({ databaseUrl: yOurs.url, dir: backupDir, jobs: JOBS, runId: 'bench-1' }),
    );
    const ours = backup.ms + restore.ms;
    return {
      name: 'backup+restore',
      ratio: Number((ours / baseline.ms).toFixed(3)),
      target: '≤ 0.8×',
      ok: ours / baseline.ms <= 0.8,
      details: {
        rows: Object.values(backup.value.rowCounts).reduce((a, b) => a + b, 0),
        jobs: JOBS,
        backupMs: backup.ms,
        restoreMs: restore.ms,
        oursMs: ours,
        baselineMs: baseline.ms,
        backupBytes: backup.value.sizeBytes,
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
