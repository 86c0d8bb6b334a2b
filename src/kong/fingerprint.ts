import { createHash } from 'node:crypto';
import { z } from 'zod';
import { KONG_ENTITY_TYPES, type KongEntityType, type KongSnapshot } from './kong-entity-types.js';

/*
 * Write-freeze fingerprint of a Kong configuration. Stored as jsonb (`runs.x_fingerprint`) at the freeze,
 * then compared with a fresh one before every traffic step: any difference is drift, listed per entity.
 * Every field counts (timestamps too: an update bumps `updated_at`); only the order of listing does not.
 */

export const entityFingerprintSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  /** First 16 hex of sha256 over the entity's canonical JSON. */
  digest: z.string(),
});
export type EntityFingerprint = z.infer<typeof entityFingerprintSchema>;

export const typeFingerprintSchema = z.object({
  count: z.number().int().nonnegative(),
  /** sha256 over the sorted `id:digest` lines: equal digests mean nothing of this type changed. */
  digest: z.string(),
  /** Sorted by id. */
  entities: z.array(entityFingerprintSchema),
});
export type TypeFingerprint = z.infer<typeof typeFingerprintSchema>;

export const configFingerprintSchema = z.object({
  version: z.literal(1),
  digest: z.string(),
  types: z.partialRecord(z.enum(KONG_ENTITY_TYPES), typeFingerprintSchema),
});
export type ConfigFingerprint = z.infer<typeof configFingerprintSchema>;

export interface ConfigChange {
  type: KongEntityType;
  id: string;
  name?: string;
  change: 'added' | 'removed' | 'changed';
}

/** JSON with object keys sorted at every level; arrays keep their order (Kong stores them as given). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A human label for drift reports; never a secret (key-auth keys and certificates get none). */
function displayName(type: KongEntityType, e: Record<string, unknown>): string | undefined {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  switch (type) {
    case 'services':
    case 'routes':
    case 'upstreams':
    case 'snis':
      return str(e.name);
    case 'consumers':
      return str(e.username) ?? str(e.custom_id);
    case 'plugins':
      return str(e.instance_name) ?? str(e.name);
    case 'targets':
      return str(e.target);
    default:
      return undefined;
  }
}

function fingerprintType(type: KongEntityType, entities: readonly { id: string }[]): TypeFingerprint {
  const list: EntityFingerprint[] = entities.map((e) => {
    const name = displayName(type, e as Record<string, unknown>);
    const digest = sha256(canonicalJson(e)).slice(0, 16);
    return name === undefined ? { id: e.id, digest } : { id: e.id, name, digest };
  });
  list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.digest < b.digest ? -1 : 1));
  const digest = sha256(list.map((e) => `${e.id}:${e.digest}\n`).join(''));
  return { count: list.length, digest, entities: list };
}

/** Fingerprints every entity type of a snapshot. */
export function fingerprintConfig(snapshot: KongSnapshot): ConfigFingerprint {
  const types: Partial<Record<KongEntityType, TypeFingerprint>> = {};
  for (const type of KONG_ENTITY_TYPES) types[type] = fingerprintType(type, snapshot[type] ?? []);
  const digest = sha256(KONG_ENTITY_TYPES.map((t) => `${t}:${types[t]?.digest ?? ''}\n`).join(''));
  return { version: 1, digest, types };
}

const EMPTY: TypeFingerprint = { count: 0, digest: '', entities: [] };

/** Exactly the entities that were added, removed or changed, sorted by type (KONG_ENTITY_TYPES order) then id. */
export function diffFingerprints(before: ConfigFingerprint, after: ConfigFingerprint): ConfigChange[] {
  if (before.digest === after.digest) return [];
  const changes: ConfigChange[] = [];
  const push = (type: KongEntityType, e: EntityFingerprint, change: ConfigChange['change']) =>
    changes.push(
      e.name === undefined ? { type, id: e.id, change } : { type, id: e.id, name: e.name, change },
    );
  for (const type of KONG_ENTITY_TYPES) {
    const a = before.types[type] ?? EMPTY;
    const b = after.types[type] ?? EMPTY;
    if (a.digest === b.digest && a.count === b.count) continue;
    const old = new Map(a.entities.map((e) => [e.id, e]));
    const seen = new Set<string>();
    for (const e of b.entities) {
      seen.add(e.id);
      const prev = old.get(e.id);
      if (!prev) push(type, e, 'added');
      else if (prev.digest !== e.digest) push(type, e, 'changed');
    }
    for (const e of a.entities) if (!seen.has(e.id)) push(type, e, 'removed');
  }
  const order = new Map(KONG_ENTITY_TYPES.map((t, i) => [t, i]));
  return changes.sort(
    (x, y) => (order.get(x.type) ?? 0) - (order.get(y.type) ?? 0) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
  );
}
