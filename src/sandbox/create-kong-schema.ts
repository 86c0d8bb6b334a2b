import { readFile } from 'node:fs/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { compareVersions, tryParseKongVersion } from '../kong/compare-versions.js';
import { maskUrl } from '../mask-url.js';
import { KONG_MIGRATIONS } from './kong-node/kong-migrations.js';
import { kongVersionAtLeast } from './kong-node/kong-version.js';

export interface CreateKongSchemaOptions {
  /** Kong version whose schema to build, e.g. "2.8.4" or "3.9.1" (2.8 is the oldest supported). */
  version: string;
  log?: Logger;
}

export interface CreateKongSchemaResult {
  /** Migration blocks run now, as "<subsystem>:<name>" (empty when the database was up to date). */
  applied: string[];
}

interface SchemaBlock {
  subsystem: string;
  name: string;
  since: string;
  sql: string;
}

const MARKER = /^-- migration: (\S+) (\S+) (\S+)$/;

function parseBlocks(text: string): SchemaBlock[] {
  const blocks: SchemaBlock[] = [];
  let current: SchemaBlock | undefined;
  for (const line of text.split('\n')) {
    const m = MARKER.exec(line);
    if (m?.[1] && m[2] && m[3]) {
      current = { subsystem: m[1], name: m[2], since: m[3], sql: '' };
      blocks.push(current);
    } else if (current) {
      current.sql += `${line}\n`;
    }
  }
  return blocks;
}

let cachedBlocks: Promise<SchemaBlock[]> | undefined;
function loadBlocks(): Promise<SchemaBlock[]> {
  cachedBlocks ??= readFile(new URL('./kong-schema.sql', import.meta.url), 'utf8').then(parseBlocks);
  return cachedBlocks;
}

/**
 * Creates Kong's tables for `version` in the database, and records the migrations in schema_meta as
 * `kong migrations bootstrap` would. On a database that already has an older Kong schema it runs the
 * missing migrations (like `kong migrations up` + `finish`); on an up-to-date one it changes nothing.
 */
export async function createKongSchema(
  databaseUrl: string,
  options: CreateKongSchemaOptions,
): Promise<CreateKongSchemaResult> {
  const { version, log } = options;
  const parsed = tryParseKongVersion(version);
  if (!parsed || compareVersions(parsed, '2.8.0') < 0) {
    throw new AppError('E_INVALID_INPUT', `Kong version "${version}" is not supported; use 2.8.0 or newer.`);
  }
  const blocks = await loadBlocks();
  const client = new pg.Client({ connectionString: databaseUrl });
  // A connection dropped by the server surfaces as the failing query's error, not a crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    throw new AppError('E_PG_UNREACHABLE', `Cannot connect to ${maskUrl(databaseUrl)}; is PostgreSQL up?`, {
      cause,
      retryable: true,
    });
  }
  const applied: string[] = [];
  try {
    await client.query('BEGIN');
    // Serialises concurrent callers, like Kong's "migrations" lock.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('kong-migrations'))");
    await client.query(`CREATE TABLE IF NOT EXISTS schema_meta (
      key TEXT, subsystem TEXT, last_executed TEXT, executed TEXT[], pending TEXT[],
      PRIMARY KEY (key, subsystem))`);
    await client.query(`CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT, ttl TIMESTAMP WITH TIME ZONE);
      CREATE INDEX IF NOT EXISTS locks_ttl_idx ON locks (ttl)`);
    const existing = await client.query<{ subsystem: string; executed: string[] | null }>(
      "SELECT subsystem, executed FROM schema_meta WHERE key = 'schema_meta'",
    );
    const done = new Set(existing.rows.flatMap((r) => (r.executed ?? []).map((n) => `${r.subsystem}:${n}`)));
    for (const block of blocks) {
      const id = `${block.subsystem}:${block.name}`;
      if (done.has(id) || !kongVersionAtLeast(version, block.since)) continue;
      await client.query(block.sql);
      applied.push(id);
    }
    const bySubsystem = new Map<string, string[]>();
    for (const m of KONG_MIGRATIONS) {
      if (!kongVersionAtLeast(version, m.since) && !done.has(`${m.subsystem}:${m.name}`)) continue;
      const list = bySubsystem.get(m.subsystem) ?? [];
      list.push(m.name);
      bySubsystem.set(m.subsystem, list);
    }
    for (const [subsystem, executed] of bySubsystem) {
      await client.query(
        `INSERT INTO schema_meta (key, subsystem, last_executed, executed, pending)
         VALUES ('schema_meta', $1, $2, $3, '{}')
         ON CONFLICT (key, subsystem) DO UPDATE
           SET last_executed = EXCLUDED.last_executed, executed = EXCLUDED.executed`,
        [subsystem, executed[executed.length - 1], executed],
      );
    }
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new AppError('E_UNKNOWN', `Creating the Kong ${version} schema failed: ${String(cause)}`, {
      cause,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
  log?.info({ version, applied: applied.length }, 'kong schema ready');
  return { applied };
}
