import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConsistency } from '../../src/backup/check-consistency.js';
import { KONG_RUNTIME_TABLES } from '../../src/backup/kong-bookkeeping-tables.js';
import { runPgDump } from '../../src/backup/run-pg-dump.js';
import { runPgRestore } from '../../src/backup/run-pg-restore.js';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import { diffFingerprints, fingerprintConfig } from '../../src/kong/fingerprint.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { query } from './backup-fixture.js';

// Seeded databases that follow Kong's schema of each version (kong.md §4), and what the bot makes of them.
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function seeded(version: string): Promise<TestDatabase> {
  const db = await createTestDatabase('kub_kongschema');
  dbs.push(db);
  await seedKongDatabase(db.url, { version, services: 5, routesPerService: 2, consumers: 10, seed: 5 });
  return db;
}

const tables = async (url: string) =>
  new Set(
    (await query<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).map(
      (r) => r.t,
    ),
  );

describe.each(['2.8.4', '3.4.2', '3.9.1'])('Kong %s schema', (version) => {
  const is3x = !version.startsWith('2.');
  let db: TestDatabase;

  it('has the credential, token and runtime tables of that version', async () => {
    db = await seeded(version);
    const t = await tables(db.url);
    for (const name of [
      'basicauth_credentials',
      'hmacauth_credentials',
      'jwt_secrets',
      'oauth2_credentials',
      'oauth2_tokens',
      'oauth2_authorization_codes',
      'acme_storage',
      'response_ratelimiting_metrics',
      'sessions',
    ])
      expect(t.has(name), name).toBe(true);
    expect(t.has('vaults_beta')).toBe(!is3x);
    expect(t.has('sm_vaults')).toBe(is3x);
    expect(t.has('clustering_sync_delta')).toBe(version === '3.9.1');
  });

  it('tags is the largest table: the trigger writes a row for every entity', async () => {
    const counts = await query<{ t: string; n: number }>(
      db.url,
      `SELECT relname AS t, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', relname), false, true, '')))[1]::text::int AS n
       FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`,
    );
    const tags = counts.find((c) => c.t === 'tags')?.n ?? 0;
    expect(tags).toBe(Math.max(...counts.map((c) => c.n)));
    const services = counts.find((c) => c.t === 'services')?.n ?? 0;
    expect(services).toBeGreaterThan(0);
  });

  it('foreign keys are composite (x_id, ws_id) and uniqueness is per workspace', async () => {
    const fks = await query<{ def: string }>(
      db.url,
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'plugins'::regclass AND contype = 'f'",
    );
    expect(fks.map((f) => f.def).join('\n')).toMatch(
      /FOREIGN KEY \(consumer_id, ws_id\) REFERENCES consumers\(id, ws_id\)/,
    );
    await query(db.url, "INSERT INTO workspaces (id, name) VALUES (gen_random_uuid(), 'team-b')");
    const [first] = await query<{ username: string }>(
      db.url,
      'SELECT username FROM consumers WHERE username IS NOT NULL LIMIT 1',
    );
    await query(
      db.url,
      "INSERT INTO consumers (id, username, ws_id) VALUES (gen_random_uuid(), $1, (SELECT id FROM workspaces WHERE name = 'team-b'))",
      [first?.username],
    );
    await expect(
      query(
        db.url,
        "INSERT INTO consumers (id, username, ws_id) VALUES (gen_random_uuid(), $1, (SELECT id FROM workspaces WHERE name = 'team-b'))",
        [first?.username],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it(`TTL'd rows: ${is3x ? 'an insert trigger deletes expired keys' : 'no insert trigger in 2.8 (a timer expires them)'}`, async () => {
    const ws = "(SELECT id FROM workspaces WHERE name = 'default')";
    const consumer = `(SELECT id FROM consumers WHERE ws_id = ${ws} LIMIT 1)`;
    await query(
      db.url,
      `INSERT INTO keyauth_credentials (id, consumer_id, key, ttl, ws_id)
       VALUES (gen_random_uuid(), ${consumer}, 'expired-key', now() - interval '1 hour', ${ws})`,
    );
    await query(
      db.url,
      `INSERT INTO keyauth_credentials (id, consumer_id, key, ws_id) VALUES (gen_random_uuid(), ${consumer}, 'fresh-key', ${ws})`,
    );
    const left = await query(db.url, "SELECT 1 FROM keyauth_credentials WHERE key = 'expired-key'");
    expect(left.length).toBe(is3x ? 0 : 1);
  });

  it("restore check: Kong's runtime writes after the backup (OAuth2 tokens, sessions, ACME) are not differences", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kub-kongschema-'));
    dirs.push(dir);
    await runPgDump({ databaseUrl: db.url, dir: join(dir, 'b'), jobs: 2 });
    const y = await createTestDatabase('kub_kongschema_y');
    dbs.push(y);
    await runPgRestore({ databaseUrl: y.url, dir: join(dir, 'b'), jobs: 2, runId: 'fidelity-1' });
    await query(
      db.url,
      `INSERT INTO sessions (id, session_id, expires, data, ttl) VALUES (gen_random_uuid(), 's1', 60, 'x', now() + interval '1 hour');
       INSERT INTO acme_storage (id, key, value, ttl) VALUES (gen_random_uuid(), 'kong_acme:cert', 'pem', now() + interval '1 day');`,
    );
    const report = await checkConsistency({ xUrl: db.url, yUrl: y.url, exclude: KONG_RUNTIME_TABLES });
    expect(report.tables.filter((t) => !t.equal).map((t) => t.table)).toEqual([]);
    expect(report.excluded).toEqual(
      expect.arrayContaining(['public.sessions', 'public.acme_storage', 'public.oauth2_tokens']),
    );
  });
});

describe("fingerprint of TTL'd keys read through the Admin API", () => {
  it('50 keys with a ttl read 2 s apart: no drift', async () => {
    const db = await seeded('3.4.2');
    await query(
      db.url,
      "UPDATE keyauth_credentials SET ttl = now() + interval '1 hour' WHERE id IN (SELECT id FROM keyauth_credentials LIMIT 50)",
    );
    const node = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.4.2' });
    try {
      const admin = createKongAdmin({ adminUrl: node.adminUrl });
      const first = await admin.snapshot();
      expect(
        first.keyauth_credentials.filter((k) => typeof k.ttl === 'number' && k.ttl > 0).length,
      ).toBeGreaterThanOrEqual(10);
      const before = fingerprintConfig(first);
      await new Promise((r) => setTimeout(r, 2100));
      expect(diffFingerprints(before, fingerprintConfig(await admin.snapshot()))).toEqual([]);
    } finally {
      await node.close();
    }
  });
});
