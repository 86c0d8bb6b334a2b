import pg from 'pg';
import type { Logger } from 'pino';
import type { BotConfig } from '../config/config-schema.js';
import { maskUrl } from '../mask-url.js';
import {
  isRehearsalDatabaseName,
  REHEARSAL_DATABASE_PREFIX,
  rehearsalLockKey,
} from './rehearsal-database-name.js';
import { databaseUrlOn } from './scratch-copy.js';

/** One entry per database server (the same server may hold several environments' Y databases). */
function rehearsalServers(config: BotConfig): string[] {
  const servers = new Map<string, string>();
  for (const env of Object.values(config.environments)) {
    if (!env.deploy.rehearsal) continue;
    const url = databaseUrlOn(env.clusterY.databaseUrl, 'postgres');
    servers.set(url, url);
  }
  return [...servers.values()];
}

/**
 * Drops the scratch databases of migration rehearsals that nobody is running any more (a worker
 * killed mid-rehearsal leaves its copy behind). A live rehearsal holds an advisory lock named after
 * its copy on the server's maintenance database; a copy whose lock can be taken is an orphan.
 * Only names the rehearsal gives its copies are ever considered. Returns the dropped names.
 */
export async function dropOrphanRehearsals(config: BotConfig, log: Logger): Promise<string[]> {
  const dropped: string[] = [];
  for (const url of rehearsalServers(config)) {
    const client = new pg.Client({
      connectionString: url,
      application_name: 'kong-upgrade-bot rehearsal',
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const listed = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
        [REHEARSAL_DATABASE_PREFIX],
      );
      for (const { datname } of listed.rows) {
        if (!isRehearsalDatabaseName(datname)) continue;
        const key = rehearsalLockKey(datname);
        const lock = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
          [key],
        );
        if (lock.rows[0]?.ok !== true) continue;
        try {
          await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
          dropped.push(datname);
          log.warn({ database: datname, server: maskUrl(url) }, 'dropped an orphaned rehearsal copy');
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
        }
      }
    } catch (err) {
      log.warn(
        { server: maskUrl(url), err: (err as Error).message },
        'could not check for orphaned rehearsal copies',
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return dropped;
}
