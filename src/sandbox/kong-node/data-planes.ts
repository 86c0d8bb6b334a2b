import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { KongReply } from './http-io.js';
import { decodeOffset, encodeOffset, nextPath, parsePageSize } from './pagination.js';

/** What a test or the sandbox page may change about one simulated data plane. */
export interface DataPlanePatch {
  version?: string;
  /** Kong's sync_status: normal, unknown, kong_version_incompatible, plugin_set_incompatible, … */
  syncStatus?: string;
  /** Overrides the hash the DP reports (e.g. a stale one); null: back to the CP's current hash. */
  configHash?: string | null;
  /** false: the DP stops reporting, its last_seen stays where it was (Kong keeps the row 14 days). */
  connected?: boolean;
}

export interface DataPlaneInit extends DataPlanePatch {
  hostname: string;
  ip?: string;
  id?: string;
}

interface Plane {
  id: string;
  hostname: string;
  ip: string;
  version: string;
  syncStatus: string;
  configHash: string | null;
  connected: boolean;
  lastSeen: number;
}

const SYNC_STATUSES = new Set([
  'unknown',
  'normal',
  'kong_version_incompatible',
  'plugin_set_incompatible',
  'plugin_version_incompatible',
  'filter_set_incompatible',
]);

const CP_ONLY = {
  message: 'this endpoint is only available when Kong is configured to run as Control Plane for the cluster',
};

/** The data planes a simulated control plane knows, served as `GET /clustering/data-planes` (kong.md §1.3). */
export class DataPlaneRegistry {
  private readonly planes = new Map<string, Plane>();

  constructor(
    private readonly defaultVersion: () => string,
    /** The CP's current configuration hash (Kong: MD5 of the exported config). */
    private readonly currentHash: () => string,
  ) {}

  add(init: DataPlaneInit): string {
    const id = init.id ?? randomUUID();
    const plane: Plane = {
      id,
      hostname: init.hostname,
      ip: init.ip ?? `10.0.0.${this.planes.size + 10}`,
      version: init.version ?? this.defaultVersion(),
      syncStatus: 'normal',
      configHash: null,
      connected: true,
      lastSeen: Math.floor(Date.now() / 1000),
    };
    this.planes.set(id, plane);
    this.update(init.hostname, init);
    return id;
  }

  /** Changes one DP, found by hostname or id. */
  update(key: string, patch: DataPlanePatch): void {
    const plane = [...this.planes.values()].find((p) => p.hostname === key || p.id === key);
    if (!plane) throw new AppError('E_NOT_FOUND', `No simulated data plane "${key}".`);
    if (patch.syncStatus !== undefined && !SYNC_STATUSES.has(patch.syncStatus)) {
      throw new AppError('E_INVALID_INPUT', `"${patch.syncStatus}" is not a Kong sync_status.`);
    }
    if (
      patch.configHash !== undefined &&
      patch.configHash !== null &&
      !/^[0-9a-f]{32}$/.test(patch.configHash)
    ) {
      throw new AppError('E_INVALID_INPUT', 'config_hash must be 32 hex characters.');
    }
    if (patch.version !== undefined) plane.version = patch.version;
    if (patch.syncStatus !== undefined) plane.syncStatus = patch.syncStatus;
    if (patch.configHash !== undefined) plane.configHash = patch.configHash;
    if (patch.connected === false && plane.connected) plane.lastSeen = Math.floor(Date.now() / 1000);
    if (patch.connected !== undefined) plane.connected = patch.connected;
  }

  list(): Record<string, unknown>[] {
    const now = Math.floor(Date.now() / 1000);
    return [...this.planes.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((p) => {
        const lastSeen = p.connected ? now : p.lastSeen;
        return {
          id: p.id,
          hostname: p.hostname,
          ip: p.ip,
          version: p.version,
          sync_status: p.syncStatus,
          config_hash: p.configHash ?? this.currentHash(),
          last_seen: lastSeen,
          updated_at: lastSeen,
          // Kong shows the seconds left of the row's TTL (cluster_data_plane_purge_delay, 14 days).
          ttl: 1_209_600 - (now - lastSeen),
          labels: {},
        };
      });
  }

  /** `GET /clustering/data-planes`: 400 unless the node is a control plane; Kong's pagination. */
  handle(role: string, url: URL): KongReply {
    if (role !== 'control_plane') return { status: 400, body: CP_ONLY };
    const size = parsePageSize(url.searchParams.get('size'));
    if (typeof size !== 'number') return size;
    const rawOffset = url.searchParams.get('offset');
    const after = rawOffset === null ? null : decodeOffset(rawOffset);
    if (after !== null && typeof after !== 'string') return after;
    const rows = this.list().filter((r) => after === null || (r.id as string) > after);
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    if (rows.length <= size || !last) return { status: 200, body: { data: page, next: null } };
    const offset = encodeOffset(last.id as string);
    const next = nextPath({
      collectionPath: '/clustering/data-planes',
      offset,
      nested: false,
      rawTags: null,
      rawSize: url.searchParams.get('size'),
    });
    return { status: 200, body: { data: page, offset, next } };
  }
}

/** A stable stand-in for the CP's config hash (32 hex), changed by a new generation number. */
export function configHashOf(seed: string): string {
  return createHash('md5').update(seed).digest('hex');
}
