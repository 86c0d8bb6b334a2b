import type pg from 'pg';
import { ENTITIES } from './entity-catalog.js';
import { type KongReply, methodNotAllowed } from './http-io.js';
import { kongVersionAtLeast } from './kong-version.js';

/** Enterprise builds report four-part versions (3.10.0.1) or an `-enterprise` suffix. */
export function isEnterpriseVersion(version: string): boolean {
  return /enterprise/i.test(version) || /^\d+\.\d+\.\d+\.\d+/.test(version);
}

/**
 * `GET /endpoints` (the Admin API's own path list) and, on Enterprise versions, `GET /workspaces`
 * (the rows of the workspaces table). Undefined for any other path.
 */
export async function handleDiscoveryRequest(
  pool: pg.Pool,
  version: string,
  parts: readonly string[],
  read: boolean,
): Promise<KongReply | undefined> {
  const [first, ...rest] = parts;
  if (rest.length > 0) return undefined;
  const enterprise = isEnterpriseVersion(version);
  if (first === 'endpoints' && kongVersionAtLeast(version, '3.0.0')) {
    if (!read) return methodNotAllowed();
    const collections = ENTITIES.map((e) => e.collection);
    const extra = enterprise ? ['workspaces', 'licenses', 'rbac', 'admins', 'vaults'] : ['vaults'];
    const data = [
      '/',
      '/status',
      '/endpoints',
      '/plugins/enabled',
      ...[...collections, ...extra].map((c) => `/${c}`),
    ];
    return { status: 200, body: { data: [...new Set(data)].sort(), total: data.length } };
  }
  if (first === 'workspaces' && enterprise) {
    if (!read) return methodNotAllowed();
    const rows = await pool.query<{
      id: string;
      name: string;
      comment: string | null;
      config: unknown;
      meta: unknown;
      created_at: Date;
    }>('SELECT id, name, comment, config, meta, created_at FROM workspaces ORDER BY name');
    const data = rows.rows.map((r) => ({
      id: r.id,
      name: r.name,
      comment: r.comment,
      config: r.config ?? {},
      meta: r.meta ?? {},
      created_at: Math.floor(r.created_at.getTime() / 1000),
    }));
    return { status: 200, body: { data, next: null } };
  }
  return undefined;
}
