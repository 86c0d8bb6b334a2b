import { type ConfigFingerprint, fingerprintConfig, fingerprintWorkspaces } from './fingerprint.js';
import type { KongAdmin } from './kong-admin.js';
import { KONG_ENTITY_TYPES, type KongSnapshot } from './kong-entity-types.js';

/** A cluster's whole configuration: per workspace on Enterprise, one snapshot on OSS. */
export interface ClusterConfiguration {
  /** Enterprise: each workspace's snapshot by name; null where `GET /workspaces` is absent (OSS). */
  workspaces: Record<string, KongSnapshot> | null;
  /** Every workspace's entities together (OSS: the one snapshot), for checks that look at all of them. */
  all: KongSnapshot;
}

/** Reads every workspace one after the other (never loading X's database with parallel listings). */
export async function readConfiguration(
  admin: KongAdmin,
  signal?: AbortSignal,
): Promise<ClusterConfiguration> {
  const names = await admin.workspaces(signal);
  if (names === null) return { workspaces: null, all: await admin.snapshot(signal) };
  const workspaces: Record<string, KongSnapshot> = {};
  for (const name of names) workspaces[name] = await admin.snapshot(signal, name);
  return { workspaces, all: mergeSnapshots(Object.values(workspaces)) };
}

function mergeSnapshots(snapshots: readonly KongSnapshot[]): KongSnapshot {
  const out: Record<string, unknown[]> = {};
  for (const type of KONG_ENTITY_TYPES) out[type] = snapshots.flatMap((s) => s[type] as unknown[]);
  return out as KongSnapshot;
}

export function fingerprintConfiguration(c: ClusterConfiguration, now = new Date()): ConfigFingerprint {
  return c.workspaces ? fingerprintWorkspaces(c.workspaces, now) : fingerprintConfig(c.all, now);
}

/** Entities in total, over every workspace. */
export function countEntities(c: ClusterConfiguration): number {
  return KONG_ENTITY_TYPES.reduce((n, t) => n + c.all[t].length, 0);
}
