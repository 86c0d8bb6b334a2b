import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Row counts of the Kong-like fixture, by schema-qualified table. */
export const FIXTURE_COUNTS: Record<string, number> = {
  'public.schema_meta': 3,
  'public.services': 40,
  'public.routes': 80,
  'public.consumers': 3000,
  'public.keyauth_credentials': 3000,
  'public.plugins': 12,
  'public.locks': 0,
  'extra.notes': 5,
};

/**
 * A small database shaped like Kong's (uuid keys, a composite key in schema_meta, arrays, jsonb,
 * foreign keys) plus one table in a second schema, filled server-side with deterministic rows.
 */
export async function createKongLikeDatabase(prefix = 'kub_backup'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE schema_meta (key text, subsystem text, last_executed text, executed text[], pending text[],
        PRIMARY KEY (key, subsystem));
      INSERT INTO schema_meta VALUES
        ('schema_meta', 'core', '015_270_to_280', '{000_base,015_270_to_280}', '{}'),
        ('schema_meta', 'key-auth', '003_200_to_210', '{000_base_key_auth}', '{}'),
        ('schema_meta', 'rate-limiting', '004_200_to_210', '{000_base_rate_limiting}', '{}');
      CREATE TABLE locks (key text PRIMARY KEY, owner text, ttl timestamptz);
      CREATE TABLE services (id uuid PRIMARY KEY, created_at timestamptz, name text UNIQUE, host text, port bigint,
        protocol text, path text, tags text[]);
      INSERT INTO services SELECT md5('svc' || g)::uuid, timestamptz '2024-01-01' + g * interval '1 minute',
        'service-' || g, 'upstream-' || g || '.internal', 8000 + g, 'http', '/', ARRAY['team-' || (g % 3)]
        FROM generate_series(1, 40) g;
      CREATE TABLE routes (id uuid PRIMARY KEY, service_id uuid REFERENCES services(id) ON DELETE CASCADE,
        name text, paths text[], methods text[], strip_path boolean, headers jsonb);
      INSERT INTO routes SELECT md5('route' || g)::uuid, md5('svc' || (1 + g % 40))::uuid, 'route-' || g,
        ARRAY['/api/v' || g], ARRAY['GET', 'POST'], g % 2 = 0, jsonb_build_object('x-n', g)
        FROM generate_series(1, 80) g;
      CREATE TABLE consumers (id uuid PRIMARY KEY, created_at timestamptz, username text UNIQUE, custom_id text);
      INSERT INTO consumers SELECT md5('consumer' || g)::uuid, timestamptz '2024-02-01' + g * interval '1 second',
        'user-' || g, NULL FROM generate_series(1, 3000) g;
      CREATE TABLE keyauth_credentials (id uuid PRIMARY KEY,
        consumer_id uuid REFERENCES consumers(id) ON DELETE CASCADE, key text UNIQUE, ttl timestamptz);
      INSERT INTO keyauth_credentials SELECT md5('key' || g)::uuid, md5('consumer' || g)::uuid, 'k-' || md5('k' || g), NULL
        FROM generate_series(1, 3000) g;
      CREATE TABLE plugins (id uuid PRIMARY KEY, name text NOT NULL, service_id uuid REFERENCES services(id),
        config jsonb NOT NULL, enabled boolean NOT NULL);
      INSERT INTO plugins SELECT md5('plugin' || g)::uuid, CASE WHEN g % 2 = 0 THEN 'key-auth' ELSE 'rate-limiting' END,
        md5('svc' || g)::uuid, jsonb_build_object('minute', g * 10), true FROM generate_series(1, 12) g;
      CREATE SCHEMA extra;
      CREATE TABLE extra.notes (id int PRIMARY KEY, body text);
      INSERT INTO extra.notes SELECT g, 'note ' || g FROM generate_series(1, 5) g;
    `);
  } finally {
    await client.end();
  }
  return db;
}

/** Runs SQL against a database and returns the rows. */
export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
