import { checkConsistency } from '../src/backup/check-consistency.js';
import type { ConsistencyReport } from '../src/backup/consistency-report.js';
import { describeTableDifference, formatConsistencyReport } from '../src/backup/format-consistency-report.js';
import { KONG_BOOKKEEPING_TABLES } from '../src/backup/kong-bookkeeping-tables.js';
import { kongAdminFor } from '../src/engine/adapters-for.js';
import {
  compareEntityCounts,
  type EntityCount,
  formatEntityCounts,
} from '../src/engine/compare-entity-counts.js';
import type { JobContext, JobDefinition, JobOutcome } from '../src/engine/job-definition.js';
import { postRunLines } from '../src/engine/post-thread-line.js';
import { AppError } from '../src/errors.js';
import { formatSmokeTable } from '../src/kong/format-smoke-table.js';
import { runSmokeTests, type SmokeObservation, type SmokeResult } from '../src/kong/run-smoke-tests.js';
import { formatCount } from '../src/metrics/format-numbers.js';

export interface VerifyJobOptions {
  /** Per smoke-test request. Default 10 s. */
  smokeTimeoutMs?: number;
}

/**
 * Kong's upgrade step 5 (staging tests): Y's database against X's table by table, entity counts
 * through both Admin APIs, and the smoke tests against both proxies. Every result is posted to the
 * thread; any difference or failed smoke test stops the run before traffic moves.
 *
 * The deploy ran between the restore (which proved Y equal to X) and this job. When it ran
 * `kong migrations up/finish`, Y's schema_meta differs from X's and the migrations legitimately
 * rewrote rows (plugin configs, route paths) and added or dropped tables: then only identity and
 * counts must hold (no row lost or added), and content changes and one-sided tables are shown as
 * information. Without migrations, every row must still be alike.
 */
export function createVerifyJob(options: VerifyJobOptions = {}): JobDefinition {
  return { name: 'verify', phase: 'verify', run: (ctx) => runVerify(ctx, options) };
}

export const verifyJob: JobDefinition = createVerifyJob();

async function runVerify(ctx: JobContext, options: VerifyJobOptions): Promise<JobOutcome> {
  const { run, env, deps, signal, log, progress } = ctx;
  // Consistency tables (known at the first table) + entity counts + smoke tests.
  let steps = 3;
  await progress.report({ done: 0, total: steps, label: "comparing X's and Y's databases" });
  const databases = { xUrl: env.clusterX.databaseUrl, yUrl: env.clusterY.databaseUrl, signal, log };
  const migrated = await schemaMigrated(databases);
  const consistency = await checkConsistency({
    ...databases,
    exclude: KONG_BOOKKEEPING_TABLES,
    compare: migrated ? 'keys' : 'content',
    oneSidedTables: migrated ? 'information' : 'difference',
    now: deps.now,
    onProgress: (p) => {
      steps = p.total + 2;
      void progress.report({ done: p.done, total: steps, label: `compared ${p.table ?? 'a table'}` });
    },
  });
  await postRunLines(run.id, [formatConsistencyReport(consistency)], deps);

  await progress.report({
    done: steps - 2,
    total: steps,
    label: 'counting entities through both Admin APIs',
  });
  const x = kongAdminFor(env.clusterX, log);
  const y = kongAdminFor(env.clusterY, log);
  const [xSnapshot, ySnapshot] = await Promise.all([x.snapshot(signal), y.snapshot(signal)]);
  const counts = compareEntityCounts(xSnapshot, ySnapshot);
  await postRunLines(run.id, [formatEntityCounts(counts)], deps);

  await progress.report({ done: steps - 1, total: steps, label: 'smoke tests against both proxies' });
  const smoke = await runSmokeTests({
    tests: env.smokeTests,
    xProxyUrl: env.clusterX.proxyUrl,
    yProxyUrl: env.clusterY.proxyUrl,
    timeoutMs: options.smokeTimeoutMs ?? 10_000,
    signal,
    log,
  });
  await postRunLines(run.id, [formatSmokeTable(smoke)], deps);
  await progress.report({ done: steps, total: steps, label: 'done' });

  const problems = findProblems(consistency, counts, smoke);
  if (problems.length > 0) {
    throw new AppError('E_VERIFY_FAILED', `Y does not match X: ${problems.join('; ')}`, {
      details: {
        differingTables: consistency.tables.filter((t) => !t.equal).map((t) => t.table),
        differingEntities: counts.filter((c) => !c.equal).map((c) => c.type),
        failedSmokeTests: smoke.filter((s) => !s.pass).map((s) => s.name),
        remedy: `No traffic was moved. Find the cause in the reports above (a write to X or Y since the backup, a failed migration, Y's plugins or routing), fix it, then start a new run with \`/kong-upgrade start ${run.environment}\`.`,
      },
    });
  }
  const compared = consistency.tables.filter((t) => t.onlyIn === undefined);
  const rows = compared.reduce((n, t) => n + t.xRows, 0);
  const changed = compared.reduce((n, t) => n + (t.changedCount ?? 0), 0);
  const entities = counts.reduce((n, c) => n + c.y, 0);
  const tablesLine = migrated
    ? `${compared.length} tables hold the same rows (${formatCount(rows)} rows; Y's schema was migrated, ${formatCount(changed)} rows changed by its migrations)`
    : `${compared.length} tables equal (${formatCount(rows)} rows)`;
  return {
    type: 'succeeded',
    summary: `Verify passed: ${tablesLine}, ${formatCount(entities)} entities listed alike by both Admin APIs, ${smoke.length === 0 ? 'no smoke tests configured' : `${smoke.length} of ${smoke.length} smoke tests pass on Y`}`,
    details: {
      tables: compared.length,
      rows,
      migrated,
      changedByMigrations: changed,
      newInY: consistency.tables.filter((t) => t.onlyIn === 'y').map((t) => t.table),
      entities: Object.fromEntries(counts.map((c) => [c.type, c.y])),
      smokeTests: smoke.length,
    },
  };
}

/**
 * Whether the deploy migrated Y's schema: `kong migrations up/finish` rewrites schema_meta, which
 * the restore copied from X. Databases without schema_meta (not Kong's) count as not migrated.
 */
async function schemaMigrated(databases: {
  xUrl: string;
  yUrl: string;
  signal: AbortSignal;
  log: JobContext['log'];
}): Promise<boolean> {
  const meta = await checkConsistency({
    ...databases,
    tables: ['schema_meta'],
    oneSidedTables: 'information',
  });
  const table = meta.tables[0];
  if (table === undefined) return false;
  // Only in Y: Y's schema was bootstrapped by the deploy. Only in X or in neither: nothing migrated.
  if (table.method === 'missing') return table.onlyIn === 'y';
  return !table.equal;
}

/** Plain-words problems for the failure line; the full tables are in the thread. */
function findProblems(
  consistency: ConsistencyReport,
  counts: readonly EntityCount[],
  smoke: readonly SmokeResult[],
): string[] {
  const problems: string[] = [];
  const differing = consistency.tables.filter((t) => !t.equal);
  if (differing.length > 0) {
    const shown = differing.slice(0, 3).map((t) => describeTableDifference(t));
    const more = differing.length > 3 ? ` and ${differing.length - 3} more tables` : '';
    problems.push(`the databases differ in ${shown.join(', ')}${more}`);
  }
  const entities = counts.filter((c) => !c.equal);
  if (entities.length > 0) {
    problems.push(
      `the Admin APIs list different numbers of ${entities.map((c) => `${c.type} (X ${c.x}, Y ${c.y})`).join(', ')}`,
    );
  }
  for (const s of smoke.filter((r) => !r.pass)) {
    problems.push(`smoke test "${s.name}" failed on Y (expected ${s.expected.status}, got ${observed(s.y)})`);
  }
  return problems;
}

function observed(o: SmokeObservation): string {
  if ('error' in o) return o.error;
  return o.bodyMatched === false ? `${o.status} without the expected body text` : String(o.status);
}
