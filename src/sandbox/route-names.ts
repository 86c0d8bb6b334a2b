import { REJECTED_ROUTE_NAME, withClient } from './rejected-route.js';

/**
 * The names of X's routes (Y serves the same ones once restored), for the sandbox control that breaks
 * one route on Y. The route Kong 3.x rejects is left out: Y never has it. At most 200, sorted.
 */
export async function listRouteNames(xDatabaseUrl: string): Promise<string[]> {
  return withClient(xDatabaseUrl, async (client) => {
    const res = await client.query<{ name: string }>(
      'SELECT DISTINCT name FROM routes WHERE name IS NOT NULL AND name <> $1 ORDER BY name LIMIT 200',
      [REJECTED_ROUTE_NAME],
    );
    return res.rows.map((r) => r.name);
  });
}
