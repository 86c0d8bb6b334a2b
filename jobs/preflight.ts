import { assertToolSupportsServer, pgToolVersion, serverMajor } from '../src/backup/pg-tool-version.js';
import { escapeMrkdwn } from '../src/domain/escape-mrkdwn.js';
import { adaptersFor } from '../src/engine/adapters-for.js';
import { describePlan } from '../src/engine/describe-plan.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { postRunLines } from '../src/engine/post-thread-line.js';
import { AppError, isAppError } from '../src/errors.js';
import { fingerprintConfig } from '../src/kong/fingerprint.js';
import { formatPreflightReport } from '../src/kong/format-preflight-report.js';
import { runPreflightChecks } from '../src/kong/preflight-checks.js';

/**
 * Kong's upgrade steps 1, 3 and 4: freeze (fingerprint X), read both clusters, check what would
 * break, and check that pg_dump can dump X's server. Failures stop the run; warnings are posted.
 */
export const preflightJob: JobDefinition = {
  name: 'preflight',
  phase: 'preflight',
  async run({ run, env, deps, signal, progress }) {
    const { x, y, router } = adaptersFor(env, deps.log, deps.adapters);
    await progress.report({ done: 0, total: 4, label: 'reading X and Y' });
    const [xInfo, xStatus, yInfo, yStatus] = await Promise.all([
      x.info(signal),
      x.status(signal),
      y.info(signal),
      y.status(signal),
    ]);
    await progress.report({ done: 1, total: 4, label: "reading X's configuration" });
    const snapshot = await x.snapshot(signal);
    await progress.report({ done: 2, total: 4, label: 'checking pg_dump' });
    const pgDump = await pgDumpCheck(env.clusterX.databaseUrl);
    await progress.report({ done: 3, total: 4, label: 'evaluating' });
    const checks = runPreflightChecks({
      x: xInfo,
      y: yInfo,
      xStatus,
      yStatus,
      expectedYVersion: env.clusterY.version,
      xEntities: { routes: snapshot.routes, plugins: snapshot.plugins },
      pgDump,
    });
    const report = formatPreflightReport(checks);
    await postRunLines(run.id, [report.join('\n')], deps);
    await progress.report({ done: 4, total: 4, label: 'done' });
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length > 0) {
      throw new AppError(
        'E_PREFLIGHT_FAILED',
        `preflight found ${failed.length} blocking problem(s): ${failed.map((c) => c.title).join('; ')}`,
        {
          details: { remedy: 'Fix what the report above lists, then start a new run.' },
        },
      );
    }
    if (run.dryRun) {
      await postRunLines(run.id, [describePlan(run, env, router).join('\n')], deps);
    }
    const fingerprint = fingerprintConfig(snapshot);
    const warnings = checks.filter((c) => c.status === 'warn').length;
    return {
      type: 'succeeded',
      summary: `Preflight passed${warnings ? ` with ${warnings} warning(s)` : ''}: X ${escapeMrkdwn(xInfo.version)} → Y ${escapeMrkdwn(env.clusterY.version)}. X's configuration is fingerprinted (${Object.values(snapshot).reduce((n, list) => n + list.length, 0)} entities).`,
      // The compare job reads the warnings that bear on the metrics (counters, Vitals) from here.
      details: { checks: checks.map((c) => ({ id: c.id, status: c.status, title: c.title })) },
      facts: {
        fromVersion: xInfo.version,
        toVersion: env.clusterY.version,
        xFingerprint: run.dryRun ? null : fingerprint,
      },
    };
  },
};

async function pgDumpCheck(
  databaseUrl: string,
): Promise<{ clientMajor: number; serverMajor: number } | { error: string }> {
  try {
    const [tool, server] = await Promise.all([pgToolVersion('pg_dump'), serverMajor(databaseUrl)]);
    assertToolSupportsServer('pg_dump', tool, server);
    return { clientMajor: tool.major, serverMajor: server };
  } catch (err) {
    if (isAppError(err) && err.code === 'E_PGDUMP_VERSION') {
      const d = err.details as { toolMajor: number; serverMajor: number };
      return { clientMajor: d.toolMajor, serverMajor: d.serverMajor };
    }
    return { error: isAppError(err) ? err.message : String(err) };
  }
}
