import pg from 'pg';

/** Fixed id, so switching on twice adds one route and switching off removes exactly that one. */
export const REJECTED_ROUTE_ID = '5e1ec7ed-0000-4000-8000-00000000a7c0';
export const REJECTED_ROUTE_NAME = 'lookaround-demo';
/** A look-ahead: PCRE (Kong 2.x, and the simulated X) accepts it, Kong 3.x's regex engine does not. */
export const REJECTED_ROUTE_PATH = '~/orders/(?!internal)';

export async function withClient<T>(databaseUrl: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Adds (or removes) on X a route whose regex Kong 3.x rejects, on X's first service, so the sandbox
 * can show preflight failing on it. A direct database write: use it before starting a run (during one
 * it is, rightly, reported as drift).
 */
export async function setRejectedRoute(xDatabaseUrl: string, on: boolean): Promise<void> {
  await withClient(xDatabaseUrl, async (client) => {
    if (!on) {
      await client.query('DELETE FROM routes WHERE id = $1', [REJECTED_ROUTE_ID]);
      return;
    }
    await client.query(
      `INSERT INTO routes (id, created_at, updated_at, name, service_id, protocols, paths, regex_priority,
                           strip_path, preserve_host, path_handling, ws_id)
       SELECT $1, now(), now(), $2, s.id, '{http,https}', ARRAY[$3], 10, true, false, 'v0', s.ws_id
         FROM services s ORDER BY s.created_at, s.name LIMIT 1
       ON CONFLICT (id) DO NOTHING`,
      [REJECTED_ROUTE_ID, REJECTED_ROUTE_NAME, REJECTED_ROUTE_PATH],
    );
  });
}

export async function hasRejectedRoute(xDatabaseUrl: string): Promise<boolean> {
  return withClient(xDatabaseUrl, async (client) => {
    const res = await client.query('SELECT 1 FROM routes WHERE id = $1', [REJECTED_ROUTE_ID]);
    return res.rowCount === 1;
  });
}
