import type pg from 'pg';
import type { z } from 'zod';
import { handleDiscoveryRequest } from './discovery-routes.js';
import { type EntityDef, entityByCollection, NESTED } from './entity-catalog.js';
import { findRow, pageRows, pgCode, updateRow } from './entity-store.js';
import { type KongReply, methodNotAllowed, notFound } from './http-io.js';
import { decodeOffset, encodeOffset, nextPath, parsePageSize } from './pagination.js';
import { routePatchSchema, schemaViolation, servicePatchSchema, uniqueViolation } from './patch-schemas.js';
import { handleTargetWrite } from './target-routes.js';

export interface AdminRequest {
  method: string;
  url: URL;
  body: Record<string, unknown> | undefined;
}

export interface AdminDeps {
  pool: pg.Pool;
  version: () => string;
  root: () => Promise<Record<string, unknown>>;
  status: () => Promise<Record<string, unknown>>;
  enabledPlugins: () => string[];
  /** Called after a write so the proxy reloads its routing table. */
  onConfigChange: () => void;
  /** Enterprise: `GET /workspaces` answers and `/<workspace>/…` paths list that workspace's rows. */
  enterprise?: boolean;
}

const WORKSPACES: EntityDef = {
  collection: 'workspaces',
  table: 'workspaces',
  endpointKey: 'name',
  toEntity: (r) => ({
    id: r.id,
    name: r.name,
    comment: r.comment ?? null,
    created_at: r.created_at instanceof Date ? Math.floor(r.created_at.getTime() / 1000) : null,
    meta: r.meta ?? {},
    config: r.config ?? {},
  }),
};

/** Enterprise paths: `/<workspace>/services` → the workspace's id and the path without it (default: `default`). */
async function hasWorkspaces(pool: pg.Pool): Promise<boolean> {
  const res = await pool.query<{ t: string | null }>("SELECT to_regclass('workspaces')::text AS t");
  return res.rows[0]?.t != null;
}

async function resolveWorkspace(
  pool: pg.Pool,
  parts: string[],
): Promise<{ wsId: string | undefined; parts: string[]; prefix: string } | undefined> {
  const [first, ...rest] = parts;
  if (first !== undefined && rest.length > 0 && !entityByCollection(first)) {
    const ws = await pool.query<{ id: string }>('SELECT id FROM workspaces WHERE name = $1', [first]);
    return ws.rows[0]
      ? { wsId: ws.rows[0].id, parts: rest, prefix: `/${encodeURIComponent(first)}` }
      : undefined;
  }
  const ws = await pool.query<{ id: string }>("SELECT id FROM workspaces WHERE name = 'default'");
  return { wsId: ws.rows[0]?.id, parts, prefix: '' };
}

async function listPage(
  deps: AdminDeps,
  def: EntityDef,
  url: URL,
  collectionPath: string,
  parent?: { column: string; id: string },
  wsId?: string,
): Promise<KongReply> {
  const rawSize = url.searchParams.get('size');
  const size = parsePageSize(rawSize);
  if (typeof size !== 'number') return size;
  const rawOffset = url.searchParams.get('offset');
  const afterId = rawOffset === null ? null : decodeOffset(rawOffset);
  if (afterId !== null && typeof afterId !== 'string') return afterId;
  const rawTags = url.searchParams.get('tags');
  const tags = rawTags === null ? undefined : { values: rawTags.split(/[,/]/), any: rawTags.includes('/') };
  const { rows, more } = await pageRows(deps.pool, def, {
    afterId,
    size,
    ...(parent ? { parent } : {}),
    ...(tags ? { tags } : {}),
    ...(wsId ? { wsId } : {}),
  });
  const last = rows[rows.length - 1];
  const version = deps.version();
  const data = rows.map((r) => def.toEntity(r, version));
  if (!more || !last || typeof last.id !== 'string') return { status: 200, body: { data, next: null } };
  const offset = encodeOffset(last.id);
  const next = nextPath({ collectionPath, offset, nested: parent !== undefined, rawTags, rawSize });
  return { status: 200, body: { data, offset, next } };
}

async function patchEntity(
  deps: AdminDeps,
  def: EntityDef,
  key: string,
  body: Record<string, unknown>,
  schema: typeof servicePatchSchema | typeof routePatchSchema,
): Promise<KongReply> {
  const row = await findRow(deps.pool, def, key);
  if (!row || typeof row.id !== 'string') return notFound();
  const parsed = (schema as z.ZodType<Record<string, unknown>>).safeParse(body);
  if (!parsed.success) return schemaViolation(parsed.error);
  const columns: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(parsed.data)) {
    if (field === 'service') columns.service_id = (value as { id: string } | null)?.id ?? null;
    else if (field === 'headers') columns.headers = value === null ? null : JSON.stringify(value);
    else columns[field] = value;
  }
  try {
    const updated = await updateRow(deps.pool, def.table, row.id, columns);
    deps.onConfigChange();
    return updated ? { status: 200, body: def.toEntity(updated, deps.version()) } : notFound();
  } catch (err) {
    if (pgCode(err) === '23505') return uniqueViolation({ name: parsed.data.name });
    if (pgCode(err) === '23503') {
      return {
        status: 400,
        body: {
          code: 4,
          name: 'foreign key violation',
          message: 'the foreign key does not reference an existing entity',
        },
      };
    }
    throw err;
  }
}

/** The Admin API routes the simulator serves (GET /metrics is served by the caller). */
export async function handleAdminRequest(deps: AdminDeps, req: AdminRequest): Promise<KongReply> {
  const { method, url } = req;
  let parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const read = method === 'GET' || method === 'HEAD';
  let wsId: string | undefined;
  let prefix = '';
  // A database without Kong's schema yet (Y before its restore) answers as OSS Kong would.
  if (deps.enterprise && parts.length > 0 && parts[0] !== 'status' && (await hasWorkspaces(deps.pool))) {
    if (parts[0] === 'workspaces' && parts.length === 1)
      return read ? listPage(deps, WORKSPACES, url, '/workspaces') : methodNotAllowed();
    const resolved = await resolveWorkspace(deps.pool, parts);
    if (!resolved) return notFound();
    ({ wsId, parts, prefix } = resolved);
  }
  if (parts.length === 0) {
    if (method === 'OPTIONS') return { status: 204, headers: { Allow: 'GET, HEAD, OPTIONS' } };
    return read ? { status: 200, body: await deps.root() } : methodNotAllowed();
  }
  const [first, second, third, fourth, ...rest] = parts;
  if (first === 'status' && parts.length === 1)
    return read ? { status: 200, body: await deps.status() } : methodNotAllowed();
  if (first === 'plugins' && second === 'enabled' && parts.length === 2) {
    return { status: 200, body: { enabled_plugins: deps.enabledPlugins() } };
  }
  // Top-level /targets is disabled in Kong (kong/api/routes/targets.lua).
  if (first === 'targets' || rest.length > 0 || first === undefined) return notFound();
  const discovery = await handleDiscoveryRequest(deps.pool, deps.version(), parts, read);
  if (discovery) return discovery;
  const def = entityByCollection(first);
  if (!def) return notFound();

  if (first === 'upstreams' && second !== undefined && third === 'targets' && fourth !== 'all') {
    if (fourth === undefined && read) return listNested(deps, def, second, 'targets', url, wsId, prefix);
    const result = await handleTargetWrite(deps.pool, deps.version(), method, second, fourth, req.body ?? {});
    if (!read && result.status < 300) deps.onConfigChange();
    return result;
  }
  if (second === undefined)
    return read ? listPage(deps, def, url, `${prefix}/${first}`, undefined, wsId) : methodNotAllowed();
  if (third !== undefined) {
    const child = fourth === undefined ? third : `${third}/${fourth}`;
    return read ? listNested(deps, def, second, child, url, wsId, prefix) : methodNotAllowed();
  }
  if (read) {
    const row = await findRow(deps.pool, def, second, wsId);
    return row ? { status: 200, body: def.toEntity(row, deps.version()) } : notFound();
  }
  if (method === 'PATCH' && (first === 'services' || first === 'routes')) {
    if (req.body === undefined) return { status: 400, body: { message: 'Cannot parse JSON body' } };
    return patchEntity(
      deps,
      def,
      second,
      req.body,
      first === 'services' ? servicePatchSchema : routePatchSchema,
    );
  }
  return methodNotAllowed();
}

async function listNested(
  deps: AdminDeps,
  parentDef: EntityDef,
  parentKey: string,
  child: string,
  url?: URL,
  wsId?: string,
  prefix = '',
): Promise<KongReply> {
  const nested = NESTED.find((n) => n.parent === parentDef.collection && n.child === child);
  const childDef = nested ? entityByCollection(nested.entity) : undefined;
  if (!nested || !childDef) return notFound();
  const parent = await findRow(deps.pool, parentDef, parentKey, wsId);
  if (!parent || typeof parent.id !== 'string') return notFound();
  const path = `${prefix}/${parentDef.collection}/${encodeURIComponent(parentKey)}/${child}`;
  return listPage(
    deps,
    childDef,
    url ?? new URL(`http://x${path}`),
    path,
    { column: nested.fk, id: parent.id },
    wsId,
  );
}
