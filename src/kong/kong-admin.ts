import type { DataPlane } from '../domain/judge-data-planes.js';
import type { KongEntityOf, KongEntityType, KongSnapshot } from './kong-entity-types.js';

export type { KongEntityOf, KongEntityType, KongSnapshot } from './kong-entity-types.js';

/** What `GET /` says about a node, normalised across 2.8 and 3.x. JSON-serialisable. */
export interface KongNodeInfo {
  version: string;
  /** `community` | `enterprise` from 3.6; before that derived from the version suffix, else undefined. */
  edition?: string;
  hostname: string;
  nodeId: string;
  plugins: {
    /** Names of plugins the node has loaded, sorted and unique (3.x object map or 2.8 `{name: true}`). */
    availableOnServer: string[];
    /** Distinct plugin names configured in the cluster's database, sorted. */
    enabledInCluster: string[];
    /** Version of each loaded plugin (3.x `available_on_server` only). */
    versions?: Record<string, string>;
  };
  configuration: {
    database?: string;
    role?: string;
    /** Enterprise Vitals; `on`/`off` strings are normalised to booleans. Undefined when not reported. */
    vitals?: boolean;
    routerFlavor?: string;
    /** The `plugins` setting the node runs with, e.g. ["bundled", "my-auth"]. */
    plugins?: string[];
  };
}

/** What `GET /status` says about a node. */
export interface KongNodeStatus {
  /** Absent in DB-less / data-plane mode from 3.4. */
  database?: { reachable: boolean };
  /** DB-less / data-plane only: MD5 of the loaded declarative config. */
  configurationHash?: string;
  server: {
    connectionsActive: number;
    connectionsReading: number;
    connectionsWriting: number;
    connectionsWaiting: number;
    connectionsAccepted: number;
    connectionsHandled: number;
    totalRequests: number;
  };
}

/**
 * Read-only view of one Kong node's Admin API. Implementations time out, retry idempotent calls and
 * throw AppError codes E_KONG_UNREACHABLE / E_KONG_TIMEOUT / E_KONG_UNAUTHORIZED / E_KONG_BAD_RESPONSE.
 * Aborting `signal` stops everything and rejects with the signal's reason.
 */
export interface KongAdmin {
  info(signal?: AbortSignal): Promise<KongNodeInfo>;
  status(signal?: AbortSignal): Promise<KongNodeStatus>;
  /** Every entity of one type, following pagination to the end. */
  listEntities<T extends KongEntityType>(type: T, signal?: AbortSignal): Promise<KongEntityOf<T>[]>;
  /**
   * Every entity of every type in KONG_ENTITY_TYPES; with `workspace`, that Enterprise workspace's
   * (`/<workspace>/services` …), without it the paths of the default workspace.
   */
  snapshot(signal?: AbortSignal, workspace?: string): Promise<KongSnapshot>;
  /** Hybrid control plane only: every row of `GET /clustering/data-planes`, all pages. */
  dataPlanes(signal?: AbortSignal): Promise<DataPlane[]>;
  /** Enterprise: the workspace names (`GET /workspaces`), sorted; null where the endpoint is absent (OSS). */
  workspaces(signal?: AbortSignal): Promise<string[] | null>;
}
