import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { TEST_PG_ADMIN_URL } from './test-database.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The sandbox's stand-in for `kong migrations up` (to 3.9.1), with its rehearsal-timing flags. */
export const migrationsUp = (...extra: string[]): string[] => [
  process.execPath,
  '--import',
  TSX,
  'src/sandbox/kong-migrations-cli.ts',
  'up',
  '--version',
  '3.9.1',
  ...extra,
];

export async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}
