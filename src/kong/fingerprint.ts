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
  /** First 16 hex of sha256 over the entity's canonical JSON (without Kong's `ttl` countdown). */
  digest: z.string(),
  /** TTL'd entities: when Kong will expire it (Unix seconds); its disappearance after that is not drift. */
  expiresAt: z.number().optional(),
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

const typesSchema = z.partialRecord(z.enum(KONG_ENTITY_TYPES), typeFingerprintSchema);

export const configFingerprintSchema = z.object({
  version: z.literal(1),
  digest: z.string(),
  /** The default workspace's (or, without workspaces, the only) configuration. */
  types: typesSchema,
  /** Enterprise: every workspace's configuration by workspace name (the default one included). */
  workspaces: z.record(z.string(), z.object({ digest: z.string(), types: typesSchema })).optional(),
});
export type ConfigFingerprint = z.infer<typeof configFingerprintSchema>;

export interface ConfigChange {
  type: KongEntityType;
  id: string;
  name?: string;
  change: 'added' | 'removed' | 'changed';
  /** Enterprise: the workspace the entity belongs to. */
  workspace?: string;
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
    case 'acls':
      return str(e.group);
    case 'basicauth_credentials':
    case 'hmacauth_credentials':
      return str(e.username);
    case 'oauth2_credentials':
    case 'key_sets':
    case 'keys':
    case 'filter_chains':
      return str(e.name);
    case 'vaults':
      return str(e.prefix);
    default:
      return undefined;
  }
}

function fingerprintType(
  type: KongEntityType,
  entities: readonly { id: string }[],
  nowS: number,
): TypeFingerprint {
  const list: EntityFingerprint[] = entities.map((e) => {
    const name = displayName(type, e as Record<string, unknown>);
    // Kong computes `ttl` as the seconds left on every request: a countdown, not configuration.
    const { ttl, ...rest } = e as Record<string, unknown>;
    const digest = sha256(canonicalJson(rest)).slice(0, 16);
    const fp: EntityFingerprint = name === undefined ? { id: e.id, digest } : { id: e.id, name, digest };
    if (typeof ttl === 'number' && Number.isFinite(ttl)) fp.expiresAt = Math.floor(nowS + ttl);
    return fp;
  });
  list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.digest < b.digest ? -1 : 1));
  const digest = sha256(list.map((e) => `${e.id}:${e.digest}\n`).join(''));
  return { count: list.length, digest, entities: list };
}

type Types = ConfigFingerprint['types'];

function fingerprintTypes(snapshot: KongSnapshot, now: Date): { digest: string; types: Types } {
  const nowS = now.getTime() / 1000;
  const types: Partial<Record<KongEntityType, TypeFingerprint>> = {};
  for (const type of KONG_ENTITY_TYPES) types[type] = fingerprintType(type, snapshot[type] ?? [], nowS);
  const digest = sha256(KONG_ENTITY_TYPES.map((t) => `${t}:${types[t]?.digest ?? ''}\n`).join(''));
  return { digest, types };
}

/** Fingerprints every entity type of a snapshot. `now` dates the expiry of TTL'd entities. */
export function fingerprintConfig(snapshot: KongSnapshot, now = new Date()): ConfigFingerprint {
  return { version: 1, ...fingerprintTypes(snapshot, now) };
}

/** Enterprise: one fingerprint over every workspace's snapshot; `types` holds the default workspace's. */
export function fingerprintWorkspaces(
  snapshots: Readonly<Record<string, KongSnapshot>>,
  now = new Date(),
): ConfigFingerprint {
  const names = Object.keys(snapshots).sort();
  const workspaces: NonNullable<ConfigFingerprint['workspaces']> = {};
  for (const name of names) workspaces[name] = fingerprintTypes(snapshots[name] as KongSnapshot, now);
  const digest = sha256(names.map((n) => `${n}:${workspaces[n]?.digest ?? ''}\n`).join(''));
  return { version: 1, digest, types: workspaces.default?.types ?? {}, workspaces };
}

const EMPTY: TypeFingerprint = { count: 0, digest: '', entities: [] };

/** Seconds of slack for the clock difference between the bot and Kong's database. */
const EXPIRY_SLACK_S = 5;

/**
 * Exactly the entities that were added, removed or changed, sorted by workspace, type
 * (KONG_ENTITY_TYPES order) then id. A TTL'd entity that is gone after its expiry expired: not drift.
 */
export function diffFingerprints(
  before: ConfigFingerprint,
  after: ConfigFingerprint,
  now = new Date(),
): ConfigChange[] {
  if (before.digest === after.digest) return [];
  if (before.workspaces && after.workspaces) {
    const names = [...new Set([...Object.keys(before.workspaces), ...Object.keys(after.workspaces)])].sort();
    return names.flatMap((workspace) =>
      diffTypes(
        before.workspaces?.[workspace]?.types ?? {},
        after.workspaces?.[workspace]?.types ?? {},
        now,
      ).map((c) => ({ ...c, workspace })),
    );
  }
  return diffTypes(before.types, after.types, now);
}

function diffTypes(beforeTypes: Types, afterTypes: Types, now: Date): ConfigChange[] {
  const nowS = now.getTime() / 1000;
  const changes: ConfigChange[] = [];
  const push = (type: KongEntityType, e: EntityFingerprint, change: ConfigChange['change']) =>
    changes.push(
      e.name === undefined ? { type, id: e.id, change } : { type, id: e.id, name: e.name, change },
    );
  const before = { types: beforeTypes };
  const after = { types: afterTypes };
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
    for (const e of a.entities) {
      if (seen.has(e.id)) continue;
      if (e.expiresAt !== undefined && e.expiresAt <= nowS + EXPIRY_SLACK_S) continue;
      push(type, e, 'removed');
    }
  }
  const order = new Map(KONG_ENTITY_TYPES.map((t, i) => [t, i]));
  return changes.sort(
    (x, y) => (order.get(x.type) ?? 0) - (order.get(y.type) ?? 0) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
  );
}
