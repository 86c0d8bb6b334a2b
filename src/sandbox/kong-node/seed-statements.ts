import { createHash } from 'node:crypto';
import type pg from 'pg';
import { SANDBOX_CERT_PEM, SANDBOX_KEY_PEM } from './sandbox-certificate.js';
import type { SeedPlan } from './seed-plan.js';
import { serviceNameSql } from './seed-plan.js';
import {
  DEFAULT_HEALTHCHECKS,
  keyAuthConfig,
  prometheusConfig,
  type RateLimitingPolicy,
  rateLimitingConfig,
} from './seed-plugin-configs.js';

/** What every seeding statement needs: ids are md5(seed || ':' || kind || ':' || index)::uuid. */
export interface SeedContext {
  client: pg.Client;
  seed: string;
  wsId: string;
  /** "table.column" names present in this schema (3.x added columns). */
  columns: Set<string>;
  schema3x: boolean;
  redisRecord: boolean;
  plan: SeedPlan;
}

const TS = 'to_timestamp(1700000000 + i)';

/** `[", updated_at", ", <value>"]` where the table has the column (3.3+), else empty strings. */
function updatedAt(ctx: SeedContext, table: string, value = TS): [string, string] {
  return ctx.columns.has(`${table}.updated_at`) ? [', updated_at', `, ${value}`] : ['', ''];
}

async function run(ctx: SeedContext, sql: string, extra: unknown[] = []): Promise<void> {
  await ctx.client.query(sql, [ctx.seed, ctx.wsId, ...extra]);
}

export async function insertCertificates(ctx: SeedContext): Promise<void> {
  const t0 = 'to_timestamp(1700000000)';
  const [cu, cv] = updatedAt(ctx, 'certificates', t0);
  await run(
    ctx,
    `INSERT INTO certificates (id, created_at, cert, key, ws_id${cu})
     VALUES (md5($1 || ':certificate:0')::uuid, ${t0}, $3, $4, $2::uuid${cv})`,
    [SANDBOX_CERT_PEM, SANDBOX_KEY_PEM],
  );
  const [su, sv] = updatedAt(ctx, 'snis', t0);
  await run(
    ctx,
    `INSERT INTO snis (id, created_at, name, certificate_id, ws_id${su})
     VALUES (md5($1 || ':sni:0')::uuid, ${t0}, 'api.example.test', md5($1 || ':certificate:0')::uuid, $2::uuid${sv})`,
  );
  const [au, av] = updatedAt(ctx, 'ca_certificates', t0);
  // ca_certificates has no ws_id; $2 is still passed, so cast it to keep the parameter typed.
  await run(
    ctx,
    `INSERT INTO ca_certificates (id, created_at, cert, cert_digest${au})
     SELECT md5($1 || ':ca:0')::uuid, ${t0}, $3, $4${av} WHERE $2::uuid IS NOT NULL`,
    [SANDBOX_CERT_PEM, createHash('sha256').update(SANDBOX_CERT_PEM).digest('hex')],
  );
}

export async function insertUpstreams(ctx: SeedContext): Promise<void> {
  const { plan } = ctx;
  const [uu, uv] = updatedAt(ctx, 'upstreams');
  const srv = ctx.columns.has('upstreams.use_srv_name');
  await run(
    ctx,
    `INSERT INTO upstreams (id, created_at, name, hash_on, hash_fallback, hash_on_cookie_path, slots, healthchecks,
                            algorithm, ws_id${uu}${srv ? ', use_srv_name' : ''})
     SELECT md5($1 || ':upstream:' || i)::uuid, ${TS}, ${serviceNameSql('i')} || '-upstream', 'none', 'none', '/', 10000,
            $4::jsonb, 'round-robin', $2::uuid${uv}${srv ? ', false' : ''}
     FROM generate_series(0, $3::int - 1) AS i`,
    [plan.upstreams, JSON.stringify(DEFAULT_HEALTHCHECKS)],
  );
  const [tu, tv] = updatedAt(ctx, 'targets');
  const ck = ctx.columns.has('targets.cache_key');
  await run(
    ctx,
    `INSERT INTO targets (id, created_at, upstream_id, target, weight, ws_id${tu}${ck ? ', cache_key' : ''})
     SELECT id, ${TS}, upstream_id, target, 100, $2::uuid${tv}${ck ? ", 'targets:' || upstream_id || ':' || target || '::::' || $2::text" : ''}
     FROM (SELECT i, md5($1 || ':target:' || i)::uuid AS id, md5($1 || ':upstream:' || (i / $4::int))::uuid AS upstream_id,
                  '10.10.' || (i / $4::int) || '.' || (10 + i % $4::int) || ':8080' AS target
           FROM generate_series(0, $3::int * $4::int - 1) AS i) AS t`,
    [plan.upstreams, Math.max(plan.targetsPerUpstream, 1)],
  );
}

const ROUTE_COLUMNS = `id, created_at, updated_at, name, service_id, protocols, paths, regex_priority, strip_path,
  preserve_host, https_redirect_status_code, path_handling, request_buffering, response_buffering, ws_id`;

export async function insertServicesAndRoutes(ctx: SeedContext): Promise<void> {
  const { plan } = ctx;
  // The first `upstreams` services send to their upstream (host = upstream name), as Kong setups do.
  await run(
    ctx,
    `INSERT INTO services (id, created_at, updated_at, name, retries, protocol, host, port, path,
                           connect_timeout, write_timeout, read_timeout, tags, enabled, ws_id)
     SELECT md5($1 || ':service:' || i)::uuid, ${TS}, ${TS}, n, 5, 'http',
            CASE WHEN i < $4::int THEN n || '-upstream' ELSE n || '.internal' END,
            CASE WHEN i % 4 = 3 THEN 8080 ELSE 80 END, CASE WHEN i % 6 = 5 THEN '/api' ELSE NULL END,
            60000, 60000, 60000, CASE WHEN i % 2 = 0 THEN ARRAY['team-' || (i % 4)] ELSE NULL END, true, $2
     FROM (SELECT i, ${serviceNameSql('i')} AS n FROM generate_series(0, $3::int - 1) AS i) AS s`,
    [plan.services, plan.upstreams],
  );
  await run(
    ctx,
    `INSERT INTO routes (${ROUTE_COLUMNS})
     SELECT md5($1 || ':route:' || i || ':' || j)::uuid, ${TS}, ${TS},
            n || '-route' || CASE WHEN j = 0 THEN '' ELSE '-' || j END, md5($1 || ':service:' || i)::uuid,
            ARRAY['http','https'], ARRAY['/' || n || CASE WHEN j = 0 THEN '' ELSE '/v' || j END],
            0, j % 2 = 0, false, 426, 'v0', true, true, $2
     FROM (SELECT i, ${serviceNameSql('i')} AS n FROM generate_series(0, $3::int - 1) AS i) AS s,
          generate_series(0, $4::int - 1) AS j`,
    [plan.services, plan.routesPerService],
  );
  // 2.8 stored regex paths without "~"; 3.x (after migration 016) stores them with "~".
  await run(
    ctx,
    `INSERT INTO routes (${ROUTE_COLUMNS})
     SELECT md5($1 || ':regex-route:' || r)::uuid, to_timestamp(1700000000 + r), to_timestamp(1700000000 + r),
            ${serviceNameSql('s')} || '-regex-route' || sfx, md5($1 || ':service:' || s)::uuid, ARRAY['http','https'],
            ARRAY[$5 || '/' || ${serviceNameSql('s')} || '/\\d+/items' || sfx], 1, false, false, 426, 'v0', true, true, $2
     FROM (SELECT r, r % $4::int AS s, CASE WHEN r >= $4::int THEN '-' || (r / $4::int + 1) ELSE '' END AS sfx
           FROM generate_series(0, $3::int - 1) AS r) AS q`,
    [plan.regexRoutes, Math.max(plan.services, 1), ctx.schema3x ? '~' : ''],
  );
}

export async function insertConsumers(
  ctx: SeedContext,
  fixed: { consumer: string; key: string }[],
): Promise<void> {
  const { plan } = ctx;
  const [cu, cv] = updatedAt(ctx, 'consumers');
  await run(
    ctx,
    `INSERT INTO consumers (id, created_at, username, custom_id, ws_id${cu})
     SELECT md5($1 || ':consumer:' || i)::uuid, ${TS}, 'consumer-' || lpad(i::text, 7, '0'),
            'cust-' || left(md5($1 || ':custom:' || i), 12), $2::uuid${cv}
     FROM generate_series(0, $3::int - 1) AS i`,
    [plan.consumers],
  );
  await run(
    ctx,
    `INSERT INTO keyauth_credentials (id, created_at, consumer_id, key, ws_id)
     SELECT md5($1 || ':key:' || i)::uuid, ${TS}, md5($1 || ':consumer:' || (i % $4::int))::uuid,
            md5($1 || ':apikey:' || i), $2
     FROM generate_series(0, $3::int - 1) AS i`,
    [plan.keys, Math.max(plan.consumers, 1)],
  );
  const users = [...new Set(fixed.map((k) => k.consumer))];
  await run(
    ctx,
    `INSERT INTO consumers (id, created_at, username, ws_id${cu})
     SELECT md5($1 || ':fixed-consumer:' || u)::uuid, to_timestamp(1700000000), u, $2::uuid${updatedAt(ctx, 'consumers', 'to_timestamp(1700000000)')[1]}
     FROM unnest($3::text[]) AS u`,
    [users],
  );
  await run(
    ctx,
    `INSERT INTO keyauth_credentials (id, created_at, consumer_id, key, ws_id)
     SELECT md5($1 || ':fixed-key:' || k)::uuid, to_timestamp(1700000000), md5($1 || ':fixed-consumer:' || u)::uuid, k, $2
     FROM unnest($3::text[], $4::text[]) AS f(u, k)`,
    [fixed.map((f) => f.consumer), fixed.map((f) => f.key)],
  );
}

export async function insertPlugins(ctx: SeedContext, policy: RateLimitingPolicy | 'none'): Promise<void> {
  const { plan } = ctx;
  const [pu, pv] = updatedAt(ctx, 'plugins');
  const insert = (name: string, where: string, config: Record<string, unknown>, protocols: string[]) =>
    run(
      ctx,
      `INSERT INTO plugins (id, created_at, name, service_id, config, enabled, cache_key, protocols, ws_id${pu})
       SELECT md5($1 || ':plugin:' || $4 || ':' || i)::uuid, ${TS}, $4, md5($1 || ':service:' || i)::uuid, $5::jsonb, true,
              'plugins:' || $4 || '::' || md5($1 || ':service:' || i)::uuid || ':::' || $2::text, $6::text[], $2::uuid${pv}
       FROM generate_series(0, $3::int - 1) AS i WHERE ${where}`,
      [plan.services, name, JSON.stringify(config), protocols],
    );
  const all = ['grpc', 'grpcs', 'http', 'https'];
  await insert('key-auth', 'i % 3 = 0', keyAuthConfig(ctx.schema3x), all);
  if (policy !== 'none') {
    await insert('rate-limiting', 'i % 5 = 1', rateLimitingConfig(policy, ctx.redisRecord), [
      'http',
      'https',
    ]);
  }
  await run(
    ctx,
    `INSERT INTO plugins (id, created_at, name, config, enabled, cache_key, protocols, ws_id${pu})
     SELECT md5($1 || ':plugin:prometheus')::uuid, to_timestamp(1700000000), 'prometheus', $3::jsonb, true,
            'plugins:prometheus:::::' || $2::text, $4::text[], $2::uuid${updatedAt(ctx, 'plugins', 'to_timestamp(1700000000)')[1]}`,
    [JSON.stringify(prometheusConfig(ctx.schema3x)), all],
  );
  if (policy === 'cluster' && plan.rateLimitedServices > 0) {
    // The cluster policy's counters: exactly the rows that diverge between X's and Y's databases.
    await run(
      ctx,
      `INSERT INTO ratelimiting_metrics (identifier, period, period_date, service_id, value, ttl)
       SELECT CASE WHEN $4::int > 0 THEN md5($1 || ':consumer:0')::uuid::text ELSE '10.0.0.1' END, p.period,
              date_trunc(p.period, to_timestamp(1700000000)), md5($1 || ':service:' || i)::uuid, 17 + i,
              to_timestamp(1700000000) + interval '1 day'
       FROM generate_series(0, $3::int - 1) AS i, (VALUES ('minute'), ('hour')) AS p(period)
       WHERE i % 5 = 1 AND $2::uuid IS NOT NULL`,
      [plan.services, plan.consumers],
    );
  }
}
