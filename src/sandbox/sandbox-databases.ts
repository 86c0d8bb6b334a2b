import pg from 'pg';
import { databaseUrlFor } from './sandbox-names.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function withAdmin<T>(serverUrl: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: databaseUrlFor(serverUrl, 'postgres'),
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Drops (forcing sessions off) and creates each database on the server of `serverUrl`, so every
 * sandbox start begins from the same state. Returns their URLs, in order.
 */
export async function recreateSandboxDatabases(serverUrl: string, names: string[]): Promise<string[]> {
  await withAdmin(serverUrl, async (client) => {
    for (const name of names) {
      await client.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${quote(name)}`);
    }
  });
  return names.map((name) => databaseUrlFor(serverUrl, name));
}

export async function dropSandboxDatabases(serverUrl: string, names: string[]): Promise<void> {
  await withAdmin(serverUrl, async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
  });
}
