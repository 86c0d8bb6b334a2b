import { checkConsistency } from '../src/backup/check-consistency.js';
import type { ConsistencyReport } from '../src/backup/consistency-report.js';
import { describeTableDifference, formatConsistencyReport } from '../src/backup/format-consistency-report.js';
import { KONG_BOOKKEEPING_TABLES } from '../src/backup/kong-bookkeeping-tables.js';
import { judgeMigratedChanges, type MigratedChangeJudgement } from '../src/domain/judge-migrated-changes.js';
import { kongAdminFor } from '../src/engine/adapters-for.js';
import {
  compareConfigurationCounts,
  type EntityCount,
  entityCountLabel,
  formatEntityCounts,
} from '../src/engine/compare-entity-counts.js';
import type { JobContext, JobDefinition, JobOutcome } from '../src/engine/job-definition.js';
import { postRunLines } from '../src/engine/post-thread-line.js';
import { postToThread } from '../src/engine/post-to-thread.js';
import { waitForDataPlanes } from '../src/engine/wait-for-data-planes.js';
import { AppError } from '../src/errors.js';
import { compareEntityFields, formatEntityFieldDifferences } from '../src/kong/compare-entity-fields.js';
import { tryParseKongVersion } from '../src/kong/compare-versions.js';
import { formatSmokeTable } from '../src/kong/format-smoke-table.js';
import { readConfiguration } from '../src/kong/read-configuration.js';
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
  // After Y's migrations: explain the columns a known migration rewrites; any other change differs.
  const migratedChanges = migrated
    ? judgeMigratedChanges(
        consistency.tables.map((t) => ({
          table: t.table,
          changedCount: t.changedCount ?? 0,
          changedColumns: t.changedColumns ?? [],
        })),
        run.fromVersion,
        run.toVersion ?? env.clusterY.version,
      )
    : [];
  if (migratedChanges.length > 0)
    await postRunLines(run.id, [describeMigratedChanges(migratedChanges)], deps);
  // Hybrid mode: the Admin API counts and the smoke tests need Y's data planes ready.
  await waitForYDataPlanes(ctx);

  await progress.report({
    done: steps - 2,
    total: steps,
    label: 'counting entities through both Admin APIs',
  });
  const x = kongAdminFor(env.clusterX, log);
  const y = kongAdminFor(env.clusterY, log);
  // Enterprise: per workspace.
  const [xConfig, yConfig] = await Promise.all([readConfiguration(x, signal), readConfiguration(y, signal)]);
  const counts = compareConfigurationCounts(xConfig, yConfig);
  await postRunLines(run.id, [formatEntityCounts(counts)], deps);
  // Known cross-version encodings (3.13's `{}` for empty records, 3.0's `~` paths) are not differences.
  const fieldDiffs = compareEntityFields(xConfig.all, yConfig.all, {
    xMajor: tryParseKongVersion(run.fromVersion ?? '')?.parts[0] ?? 3,
    yMajor: tryParseKongVersion(env.clusterY.version)?.parts[0] ?? 3,
  });
  const listed = counts.reduce((n, c) => n + Math.min(c.x, c.y), 0);
  await postRunLines(run.id, [formatEntityFieldDifferences(fieldDiffs, listed)], deps);

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
  for (const m of migratedChanges.filter((c) => c.unexplained.length > 0)) {
    problems.push(
      `\`${m.table}\` differs in ${m.unexplained.join(', ')}, which no known Kong migration rewrites (a change made on X or Y?)`,
    );
  }
  if (problems.length > 0) {
    throw new AppError('E_VERIFY_FAILED', `Y does not match X: ${problems.join('; ')}`, {
      details: {
        differingTables: consistency.tables.filter((t) => !t.equal).map((t) => t.table),
        differingEntities: counts.filter((c) => !c.equal).map(entityCountLabel),
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
    ? `${compared.length} tables hold the same rows (${formatCount(rows)} rows; Y's schema was migrated, ${formatCount(changed)} rows differ in columns its migrations rewrite)`
    : `${compared.length} tables equal (${formatCount(rows)} rows)`;
  return {
    type: 'succeeded',
    summary: `Verify passed: ${tablesLine}, ${formatCount(entities)} entities of ${counts.length} types listed alike by both Admin APIs${entityNote(rows, entities)}, ${smoke.length === 0 ? 'no smoke tests configured' : `${smoke.length} of ${smoke.length} smoke tests pass on Y`}`,
    details: {
      tables: compared.length,
      rows,
      migrated,
      changedByMigrations: changed,
      newInY: consistency.tables.filter((t) => t.onlyIn === 'y').map((t) => t.table),
      entities: Object.fromEntries(counts.map((c) => [entityCountLabel(c), c.y])),
      entityFieldDifferences: fieldDiffs.length,
      smokeTests: smoke.length,
    },
  };
}

/**
 * Hybrid mode: after the deploy, Y's data planes must be connected, in sync, compatible and on one
 * configuration before anything else; each change of what is wrong is posted, and the wait is bounded
 * by the deploy timeout. A traditional Y passes at once.
 */
async function waitForYDataPlanes(ctx: JobContext): Promise<void> {
  const { run, env, deps, signal, log, progress } = ctx;
  const thread = { channel: run.channel, threadTs: run.threadTs };
  let reported = false;
  const judgement = await waitForDataPlanes({
    admin: kongAdminFor(env.clusterY, log, { ...deps.adapters, label: 'Y' }),
    cluster: env.clusterY,
    timeoutMs: env.deploy.timeoutSeconds * 1000,
    intervalMs: Math.min(env.metrics.intervalSeconds, 10) * 1000,
    signal,
    onProblems: async (problems) => {
      reported = true;
      await progress.report({ done: 0, total: 3, label: "waiting for Y's data planes" });
      await postToThread(
        deps.notifier,
        thread,
        `:hourglass: *Y's data planes are not ready*; waiting before verifying Y:\n${problems.map((p) => `• ${p}`).join('\n')}`,
      );
    },
  });
  if (judgement && reported) {
    await postToThread(
      deps.notifier,
      thread,
      `:white_check_mark: Y's ${judgement.connected} data planes are connected, in sync and on the same configuration.`,
    );
  }
}

function describeMigratedChanges(changes: readonly MigratedChangeJudgement[]): string {
  return changes
    .flatMap((c) => [
      ...c.explained.map((e) => `ℹ️ \`${c.table}\`.\`${e.column}\` differs after Y's migrations: ${e.why}.`),
      ...(c.unexplained.length > 0
        ? [
            `❌ \`${c.table}\` differs in ${c.unexplained.map((u) => `\`${u}\``).join(', ')} (${formatCount(c.changedCount)} rows differ): no known Kong migration rewrites ${c.unexplained.length === 1 ? 'this column' : 'these columns'}.`,
          ]
        : []),
    ])
    .join('\n');
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
      `the Admin APIs list different numbers of ${entities.map((c) => `${entityCountLabel(c)} (X ${c.x}, Y ${c.y})`).join(', ')}`,
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

/**
 * Rows and entities are different counts (the question a reader asks when they differ): rows cover
 * every table compared, Kong's own ones such as workspaces and tags included; entities are only the
 * types the Admin APIs list.
 */
function entityNote(rows: number, entities: number): string {
  return rows === entities
    ? ''
    : ' (the database rows also count tables that are not Admin API entities, such as workspaces and tags)';
}
