import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { createKongSchema } from './create-kong-schema.js';
import { isKeyAuthService, isRateLimitedService, planSeed, serviceName } from './kong-node/seed-plan.js';
import type { RateLimitingPolicy } from './kong-node/seed-plugin-configs.js';
import {
  insertCertificates,
  insertConsumers,
  insertPlugins,
  insertServicesAndRoutes,
  insertUpstreams,
  type SeedContext,
} from './kong-node/seed-statements.js';
import { withIndexesDeferred } from './kong-node/with-indexes-deferred.js';

export interface SeedKongDatabaseOptions {
  services?: number;
  routesPerService?: number;
  consumers?: number;
  keysPerConsumer?: number;
  upstreams?: number;
  targetsPerUpstream?: number;
  regexRoutes?: number;
  rateLimiting?: RateLimitingPolicy | 'none';
  /** Scales consumers and keys so the seeded tables (SeedSummary.counts) hold exactly this many rows. */
  totalRows?: number;
  seed?: number;
  /** Extra consumers (by username) with known keys, e.g. the sandbox's smoke-test key. */
  keys?: { consumer: string; key: string }[];
  /** Kong version whose schema is created when the database has none yet (default 2.8.4). */
  version?: string;
  log?: Logger;
}

export type SeededTable =
  | 'services'
  | 'routes'
  | 'plugins'
  | 'consumers'
  | 'keyauth_credentials'
  | 'upstreams'
  | 'targets'
  | 'certificates'
  | 'snis'
  | 'ca_certificates'
  | 'ratelimiting_metrics';

export interface SeedSummary {
  counts: Record<SeededTable, number>;
  totalRows: number;
  /** True when the schema has Kong 3.x's migrations (regex paths then carry "~"). */
  schema3x: boolean;
  durationMs: number;
  fixtures: {
    /** Routes of key-auth protected services (the first few), e.g. { service: 'orders', path: '/orders' }. */
    keyAuthProtected: { service: string; route: string; path: string }[];
    /** A route with no key-auth. */
    open: { service: string; route: string; path: string } | null;
    validKey: { consumer: string; key: string } | null;
    /** `path` as stored; `samplePath` is a request path that the regex matches. */
    regexRoute: { service: string; route: string; path: string; samplePath: string } | null;
    rateLimitingPluginIds: string[];
    prometheusPluginId: string;
  };
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const md5Uuid = (s: string): string => md5(s).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/**
 * Seeds a Kong database with a realistic configuration, all rows generated server-side
 * (INSERT … SELECT generate_series) so a million rows take seconds. Same seed, same rows and ids.
 */
export async function seedKongDatabase(
  databaseUrl: string,
  opts: SeedKongDatabaseOptions = {},
): Promise<SeedSummary> {
  const started = Date.now();
  const policy = opts.rateLimiting ?? 'cluster';
  const fixedKeys = opts.keys ?? [];
  const fixedUsers = [...new Set(fixedKeys.map((k) => k.consumer))];
  const plan = planSeed({
    services: opts.services ?? 20,
    routesPerService: opts.routesPerService ?? 2,
    consumers: opts.consumers ?? 50,
    keysPerConsumer: opts.keysPerConsumer ?? 1,
    upstreams: opts.upstreams ?? 3,
    targetsPerUpstream: opts.targetsPerUpstream ?? 2,
    regexRoutes: opts.regexRoutes ?? 2,
    clusterPolicy: policy === 'cluster',
    rateLimiting: policy !== 'none',
    totalRows: opts.totalRows,
    fixedConsumers: fixedUsers.length,
    fixedKeys: fixedKeys.length,
  });
  const seed = String(opts.seed ?? 1);
  await createKongSchema(databaseUrl, { version: opts.version ?? '2.8.4', log: opts.log });

  const client = new pg.Client({ connectionString: databaseUrl });

  // A connection dropped by the server surfaces as the failing query's error, not a crash.

  client.on('error', () => undefined);
  await client.connect();
  try {
    const existing = await client.query<{ n: string }>('SELECT count(*) AS n FROM services');
    if (Number(existing.rows[0]?.n ?? 0) > 0) {
      throw new AppError('E_INVALID_INPUT', 'This Kong database already has services; seed an empty one.');
    }
    const cols = await client.query<{ c: string }>(
      `SELECT table_name || '.' || column_name AS c FROM information_schema.columns
       WHERE table_schema = current_schema()`,
    );
    const meta = await client.query<{ subsystem: string; executed: string[] }>(
      "SELECT subsystem, executed FROM schema_meta WHERE key = 'schema_meta'",
    );
    const executed = (subsystem: string, name: string) =>
      meta.rows.some((r) => r.subsystem === subsystem && r.executed.includes(name));
    await client.query('BEGIN');
    // One transaction: a failed seed leaves nothing behind; durability of each commit does not matter here.
    await client.query('SET LOCAL synchronous_commit TO off');
    const ws = await client.query<{ id: string }>("SELECT id FROM workspaces WHERE name = 'default'");
    const ctx: SeedContext = {
      client,
      seed,
      wsId: ws.rows[0]?.id ?? '',
      columns: new Set(cols.rows.map((r) => r.c)),
      schema3x: executed('core', '016_280_to_300'),
      redisRecord: executed('rate-limiting', '006_350_to_360'),
      plan,
    };
    await insertCertificates(ctx);
    await insertUpstreams(ctx);
    await insertServicesAndRoutes(ctx);
    await withIndexesDeferred(client, ['consumers', 'keyauth_credentials'], () =>
      insertConsumers(ctx, fixedKeys),
    );
    await insertPlugins(ctx, policy);
    const counts = await countRows(client);
    await client.query('COMMIT');
    const summary: SeedSummary = {
      counts,
      totalRows: Object.values(counts).reduce((a, b) => a + b, 0),
      schema3x: ctx.schema3x,
      durationMs: Date.now() - started,
      fixtures: fixturesOf(ctx, fixedKeys),
    };
    opts.log?.info({ totalRows: summary.totalRows, durationMs: summary.durationMs }, 'kong database seeded');
    return summary;
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw cause;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const SEEDED_TABLES: SeededTable[] = [
  'services',
  'routes',
  'plugins',
  'consumers',
  'keyauth_credentials',
  'upstreams',
  'targets',
  'certificates',
  'snis',
  'ca_certificates',
  'ratelimiting_metrics',
];

async function countRows(client: pg.Client): Promise<Record<SeededTable, number>> {
  const sql = SEEDED_TABLES.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM ${t}`).join(' UNION ALL ');
  const res = await client.query<{ t: SeededTable; n: string }>(sql);
  const counts = Object.fromEntries(SEEDED_TABLES.map((t) => [t, 0])) as Record<SeededTable, number>;
  for (const row of res.rows) counts[row.t] = Number(row.n);
  return counts;
}

function fixturesOf(
  ctx: SeedContext,
  fixedKeys: { consumer: string; key: string }[],
): SeedSummary['fixtures'] {
  const { plan, seed } = ctx;
  const routesOf = (i: number) =>
    Array.from({ length: plan.routesPerService }, (_, j) => ({
      service: serviceName(i),
      route: `${serviceName(i)}-route${j === 0 ? '' : `-${j}`}`,
      path: `/${serviceName(i)}${j === 0 ? '' : `/v${j}`}`,
    }));
  const services = Array.from({ length: plan.services }, (_, i) => i);
  const firstKey = fixedKeys[0];
  const regexService = serviceName(0);
  return {
    keyAuthProtected: services.filter(isKeyAuthService).slice(0, 3).flatMap(routesOf),
    open: services.filter((i) => !isKeyAuthService(i)).flatMap(routesOf)[0] ?? null,
    validKey: firstKey
      ? { consumer: firstKey.consumer, key: firstKey.key }
      : plan.keys > 0
        ? { consumer: 'consumer-0000000', key: md5(`${seed}:apikey:0`) }
        : null,
    regexRoute:
      plan.regexRoutes > 0
        ? {
            service: regexService,
            route: `${regexService}-regex-route`,
            path: `${ctx.schema3x ? '~' : ''}/${regexService}/\\d+/items`,
            samplePath: `/${regexService}/42/items`,
          }
        : null,
    rateLimitingPluginIds:
      plan.rateLimitedServices > 0
        ? services.filter(isRateLimitedService).map((i) => md5Uuid(`${seed}:plugin:rate-limiting:${i}`))
        : [],
    prometheusPluginId: md5Uuid(`${seed}:plugin:prometheus`),
  };
}
