import { assertToolSupportsServer, pgToolVersion, serverMajor } from '../src/backup/pg-tool-version.js';
import type { EnvironmentConfig } from '../src/config/config-schema.js';
import { escapeMrkdwn } from '../src/domain/escape-mrkdwn.js';
import { adaptersFor } from '../src/engine/adapters-for.js';
import { minDataPlanesFor } from '../src/engine/check-data-planes.js';
import { describePlan } from '../src/engine/describe-plan.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { postRunLines } from '../src/engine/post-thread-line.js';
import { xDigestCheckFor } from '../src/engine/x-digest-check.js';
import { AppError, isAppError } from '../src/errors.js';
import { dataPlaneChecks } from '../src/kong/data-plane-checks.js';
import { formatPreflightReport } from '../src/kong/format-preflight-report.js';
import type { KongAdmin, KongNodeInfo } from '../src/kong/kong-admin.js';
import type { PreflightCheck } from '../src/kong/preflight-check.js';
import { runPreflightChecks } from '../src/kong/preflight-checks.js';
import { prometheusPluginCheck } from '../src/kong/prometheus-plugin-check.js';
import {
  countEntities,
  fingerprintConfiguration,
  readConfiguration,
} from '../src/kong/read-configuration.js';
import { readUpgradeFacts } from '../src/kong/read-upgrade-facts.js';
import { requestCountersCheck, scrapeForCheck } from '../src/kong/request-counters-check.js';
import { maskUrl } from '../src/mask-url.js';

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
    const [xInfo, xStatus, yInfo, yStatus, routed] = await Promise.all([
      x.info(signal),
      x.status(signal),
      y.info(signal),
      y.status(signal),
      deps.store.routerLock
        .withLock(run.environment, () => router.read(signal), { signal })
        .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })),
    ]);
    // A run starts from all traffic on X: a split left by someone (or by an earlier run) would make
    // every comparison and the freeze's promise wrong.
    if ('y' in routed && routed.y !== 0 && !run.dryRun) {
      throw new AppError(
        'E_PREFLIGHT_FAILED',
        `the ${router.kind} router already sends Y ${routed.y} % of the traffic (X ${routed.x} %); a run starts only from 100 % on X`,
        {
          details: {
            remedy:
              'Set the router to 100 % X (or roll back the run that left this split with `/kong-upgrade rollback <run>`), then start a new run.',
          },
        },
      );
    }
    await progress.report({ done: 1, total: 4, label: "reading X's configuration" });
    // Digests first: a change between them and the snapshot then shows as drift, never hides.
    if (!run.dryRun) await xDigestCheckFor(env, deps).record(run.id, signal);
    const [configuration, facts] = await Promise.all([
      readConfiguration(x, signal),
      readUpgradeFacts(env.clusterX, env.clusterY, {
        signal,
        log: deps.log,
        ...(deps.adapters?.kongTimeoutMs !== undefined ? { timeoutMs: deps.adapters.kongTimeoutMs } : {}),
        ...(deps.adapters?.kongRetries !== undefined ? { retries: deps.adapters.kongRetries } : {}),
      }),
    ]);
    const snapshot = configuration.all;
    await progress.report({ done: 2, total: 4, label: 'checking pg_dump' });
    const pgDump = await pgDumpCheck(env.clusterX.databaseUrl);
    await progress.report({ done: 3, total: 4, label: 'evaluating' });
    const checks = runPreflightChecks({
      x: xInfo,
      y: yInfo,
      xStatus,
      yStatus,
      expectedYVersion: env.clusterY.version,
      xEntities: { routes: snapshot.routes, plugins: snapshot.plugins, services: snapshot.services },
      ...facts,
      pgDump,
    });
    checks.push(routerCheck(routed));
    checks.push(prometheusPluginCheck(snapshot.plugins, xInfo.version, env.clusterY.version));
    checks.push(await xRequestCounters(env, signal));
    checks.push(...(await hybridChecks({ env, x, y, xInfo, yInfo, signal })));
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
    const fingerprint = fingerprintConfiguration(configuration);
    const warnings = checks.filter((c) => c.status === 'warn').length;
    return {
      type: 'succeeded',
      summary: `Preflight passed${warnings ? ` with ${warnings} warning(s)` : ''}: X ${escapeMrkdwn(xInfo.version)} → Y ${escapeMrkdwn(env.clusterY.version)}. X's configuration is fingerprinted (${countEntities(configuration)} entities${configuration.workspaces ? ` in ${Object.keys(configuration.workspaces).length} workspaces` : ''}).`,
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

/** What the router reports before anything moves: all on X (pass), a split (dry runs), or unreadable. */
function routerCheck(routed: { x: number; y: number } | { error: string }): PreflightCheck {
  if ('error' in routed) {
    return {
      id: 'router-split',
      status: 'warn',
      title: 'The traffic router could not be read',
      detail: `${routed.error} Traffic steps will fail until the router answers.`,
    };
  }
  return routed.y === 0
    ? {
        id: 'router-split',
        status: 'pass',
        title: 'The router sends all traffic to X',
        detail: `X ${routed.x} % / Y 0 %`,
      }
    : {
        id: 'router-split',
        status: 'warn',
        title: `The router already sends Y ${routed.y} %`,
        detail: `X ${routed.x} % / Y ${routed.y} %: a real run refuses to start until X has 100 %.`,
      };
}

/** Hybrid mode: each control plane's data planes (docs/contract.md#kong-as-it-really-runs); nothing for traditional clusters. */
async function hybridChecks(o: {
  env: EnvironmentConfig;
  x: KongAdmin;
  y: KongAdmin;
  xInfo: KongNodeInfo;
  yInfo: KongNodeInfo;
  signal: AbortSignal;
}) {
  const read = async (admin: KongAdmin, info: KongNodeInfo, cluster: EnvironmentConfig['clusterX']) =>
    info.configuration.role === 'control_plane'
      ? {
          version: info.version,
          dataPlanes: await admin.dataPlanes(o.signal),
          min: minDataPlanesFor(cluster),
        }
      : null;
  const [xPlanes, yPlanes] = await Promise.all([
    read(o.x, o.xInfo, o.env.clusterX),
    read(o.y, o.yInfo, o.env.clusterY),
  ]);
  return dataPlaneChecks({ x: xPlanes, y: yPlanes }, new Date());
}

/** X's first metrics URL, read once: are there request counters for the comparison to read? */
async function xRequestCounters(env: EnvironmentConfig, signal: AbortSignal) {
  const c = env.clusterX;
  const urls = 'metricsUrls' in c && Array.isArray(c.metricsUrls) ? (c.metricsUrls as string[]) : [];
  const url = urls[0] ?? c.metricsUrl;
  // The admin token goes only to URLs under the cluster's Admin API (docs/contract.md#clarifications).
  const headers: Record<string, string> =
    c.adminToken && url.startsWith(c.adminUrl) ? { 'Kong-Admin-Token': c.adminToken } : {};
  return requestCountersCheck(maskUrl(url), await scrapeForCheck(url, headers, 5000, signal));
}
