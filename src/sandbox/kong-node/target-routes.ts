import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { entityByCollection, type Row, targetEntity } from './entity-catalog.js';
import { findRow, pgCode, updateRow } from './entity-store.js';
import { type KongReply, methodNotAllowed, notFound } from './http-io.js';
import { kongVersionAtLeast } from './kong-version.js';
import { isUuid } from './pagination.js';
import { schemaViolation, targetWriteSchema, uniqueViolation } from './patch-schemas.js';

/** Kong adds the default port 8000 to a target given without one. */
function normaliseTarget(target: string): string {
  if (/^\[.*\]$/.test(target) || !/:\d+$/.test(target)) return `${target}:8000`;
  return target;
}

async function findTarget(pool: pg.Pool, upstreamId: string, key: string): Promise<Row | undefined> {
  const column = isUuid(key) ? 'id::text' : 'target';
  const res = await pool.query<Row>(
    `SELECT * FROM targets WHERE upstream_id = $1 AND ${column} = $2 LIMIT 1`,
    [upstreamId, isUuid(key) ? key.toLowerCase() : key],
  );
  return res.rows[0];
}

async function insertTarget(
  pool: pg.Pool,
  upstream: Row,
  body: { target: string; weight: number; tags: string[] | null },
) {
  const cols = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'targets'`,
  );
  const has = new Set(cols.rows.map((r) => r.column_name));
  const values: Record<string, unknown> = {
    id: randomUUID(),
    upstream_id: upstream.id,
    target: body.target,
    weight: body.weight,
    tags: body.tags,
    ws_id: upstream.ws_id ?? null,
  };
  if (has.has('cache_key'))
    values.cache_key = `targets:${upstream.id}:${body.target}::::${upstream.ws_id ?? ''}`;
  const names = Object.keys(values);
  const extra = ['created_at', ...(has.has('updated_at') ? ['updated_at'] : [])];
  const res = await pool.query<Row>(
    `INSERT INTO targets (${[...names, ...extra].join(', ')})
     VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}, ${extra.map(() => 'CURRENT_TIMESTAMP(3)').join(', ')})
     RETURNING *`,
    names.map((n) => values[n]),
  );
  return res.rows[0];
}

/**
 * `POST /upstreams/{u}/targets` and `GET|PATCH|PUT|DELETE /upstreams/{u}/targets/{host:port|id}`,
 * as Kong 3.x has them (POST only creates: a duplicate is 409); a 2.x node's POST updates an existing target.
 */
export async function handleTargetWrite(
  pool: pg.Pool,
  version: string,
  method: string,
  upstreamKey: string,
  targetKey: string | undefined,
  body: Record<string, unknown>,
): Promise<KongReply> {
  const upstreams = entityByCollection('upstreams');
  const upstream = upstreams ? await findRow(pool, upstreams, upstreamKey) : undefined;
  if (!upstream || typeof upstream.id !== 'string') return notFound();
  const reply = (status: number, row: Row | undefined): KongReply =>
    row ? { status, body: targetEntity(row, version) } : notFound();

  if (targetKey === undefined) {
    if (method !== 'POST') return methodNotAllowed();
    const parsed = targetWriteSchema.partial({ weight: true, tags: true }).safeParse(body);
    if (!parsed.success) return schemaViolation(parsed.error);
    const target = normaliseTarget(parsed.data.target);
    const existing = await findTarget(pool, upstream.id, target);
    if (existing && typeof existing.id === 'string') {
      if (kongVersionAtLeast(version, '3.0.0'))
        return uniqueViolation({ upstream: { id: upstream.id }, target });
      const updated = await updateRow(pool, 'targets', existing.id, {
        weight: parsed.data.weight ?? 100,
        tags: parsed.data.tags ?? null,
      });
      return reply(201, updated);
    }
    try {
      const row = await insertTarget(pool, upstream, {
        target,
        weight: parsed.data.weight ?? 100,
        tags: parsed.data.tags ?? null,
      });
      return reply(201, row);
    } catch (err) {
      if (pgCode(err) === '23505') return uniqueViolation({ upstream: { id: upstream.id }, target });
      throw err;
    }
  }

  const existing = await findTarget(pool, upstream.id, targetKey);
  if (!existing || typeof existing.id !== 'string') return notFound();
  if (method === 'GET') return reply(200, existing);
  if (method === 'DELETE') {
    await pool.query('DELETE FROM targets WHERE id = $1', [existing.id]);
    return { status: 204 };
  }
  if (method !== 'PATCH' && method !== 'PUT') return methodNotAllowed();
  // PUT replaces: fields not given go back to their defaults.
  const parsed = targetWriteSchema.partial().safeParse(body);
  if (!parsed.success) return schemaViolation(parsed.error);
  const columns: Record<string, unknown> = {};
  if (parsed.data.target !== undefined) columns.target = normaliseTarget(parsed.data.target);
  if (parsed.data.weight !== undefined) columns.weight = parsed.data.weight;
  else if (method === 'PUT') columns.weight = 100;
  if (parsed.data.tags !== undefined) columns.tags = parsed.data.tags;
  else if (method === 'PUT') columns.tags = null;
  try {
    return reply(200, await updateRow(pool, 'targets', existing.id, columns));
  } catch (err) {
    if (pgCode(err) === '23505')
      return uniqueViolation({ upstream: { id: upstream.id }, target: columns.target });
    throw err;
  }
}
