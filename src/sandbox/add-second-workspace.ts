import { withClient } from './rejected-route.js';

/** The sandbox's second workspace (Kong Enterprise), with one service of its own. */
export const SANDBOX_SECOND_WORKSPACE = 'team-b';

/** Adds the second workspace and its service to X's database (Kong Enterprise's `workspaces`). */
export async function addSecondWorkspace(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO workspaces (id, name, config, meta) VALUES (gen_random_uuid(), $1, '{}', '{}')
         ON CONFLICT (name) DO NOTHING`,
      [SANDBOX_SECOND_WORKSPACE],
    );
    await client.query(
      `INSERT INTO services (id, name, protocol, host, port, retries, connect_timeout, write_timeout, read_timeout, ws_id)
       SELECT gen_random_uuid(), 'team-b-billing', 'http', 'billing.internal', 80, 5, 60000, 60000, 60000, id
         FROM workspaces WHERE name = $1`,
      [SANDBOX_SECOND_WORKSPACE],
    );
  });
}
