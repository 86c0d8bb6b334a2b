import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { AppError, isAppError } from '../errors.js';
import { createKongHttp, type KongHttp } from './create-kong-http.js';
import { describeZodError } from './describe-zod-error.js';
import { kongDataPlaneSchema, kongWorkspaceSchema, toDataPlane } from './hybrid-schemas.js';
import type { KongAdmin, KongNodeInfo, KongNodeStatus } from './kong-admin.js';
import {
  KONG_COLLECTION_PATHS,
  KONG_ENTITY_TYPES,
  type KongEntityOf,
  type KongEntityType,
  type KongSnapshot,
  kongEntitySchemas,
} from './kong-entity-types.js';
import { type KongTarget, type KongUpstream, kongRootSchema, kongStatusSchema } from './kong-schemas.js';
import { listKongCollection } from './list-kong-collection.js';
import { toKongNodeInfo, toKongNodeStatus } from './to-kong-node-info.js';

export interface CreateKongAdminOptions {
  adminUrl: string;
  /** Sent as `Kong-Admin-Token` (Enterprise RBAC). */
  adminToken?: string;
  /** The cluster's name in messages, e.g. "X" gives "X's Kong Admin API at …". */
  label?: string;
  /** Per request, covering headers and body. Default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for GETs after connection errors, timeouts, 5xx and 429. Default 3. */
  retries?: number;
  /** Base of the exponential backoff (with jitter). Default 250 ms. */
  backoffMs?: number;
  /** Page size for collections, 1..1000 (Kong's maximum). Default 1000. */
  pageSize?: number;
  /** Upstreams whose targets are listed at the same time. Default 4. */
  targetConcurrency?: number;
  log?: Logger;
  dispatcher?: Dispatcher;
}

function parseOrThrow<S extends z.ZodType>(
  http: KongHttp,
  endpoint: string,
  schema: S,
  body: unknown,
): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'E_KONG_BAD_RESPONSE',
    `${http.subject} answered ${endpoint} with an unexpected shape (${describeZodError(parsed.error)}). Check that the adminUrl points at a Kong Admin API of a supported version.`,
    { details: { cluster: http.cluster, endpoint } },
  );
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

const OPTIONAL_COLLECTIONS = new Set<KongEntityType>([
  'keyauth_credentials',
  'acls',
  'basicauth_credentials',
  'hmacauth_credentials',
  'jwt_secrets',
  'oauth2_credentials',
  'vaults',
  'key_sets',
  'keys',
  'filter_chains',
]);

/** A KongAdmin over HTTP (undici). See KongAdmin for the error contract. */
export function createKongAdmin(options: CreateKongAdminOptions): KongAdmin {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new AppError(
      'E_INVALID_INPUT',
      `pageSize must be an integer between 1 and 1000 (got ${pageSize}).`,
    );
  }
  const http = createKongHttp({
    adminUrl: options.adminUrl,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 3,
    backoffMs: options.backoffMs ?? 250,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    ...(options.label ? { label: options.label } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const targetConcurrency = options.targetConcurrency ?? 4;
  const listOpts = (signal?: AbortSignal) => ({
    pageSize,
    ...(signal ? { signal } : {}),
    ...(options.log ? { log: options.log } : {}),
  });

  async function targetsOf(
    upstreams: readonly KongUpstream[],
    signal?: AbortSignal,
    prefix = '',
  ): Promise<KongTarget[]> {
    const lists = await mapLimited(upstreams, targetConcurrency, (u) =>
      listKongCollection(
        http,
        `${prefix}/upstreams/${encodeURIComponent(u.id)}/targets`,
        kongEntitySchemas.targets,
        listOpts(signal),
      ),
    );
    return lists.flat();
  }

  async function listEntities<T extends KongEntityType>(
    type: T,
    signal?: AbortSignal,
    prefix = '',
  ): Promise<KongEntityOf<T>[]> {
    if (type === 'targets') {
      const upstreams = await listEntities('upstreams', signal, prefix);
      return (await targetsOf(upstreams, signal, prefix)) as KongEntityOf<T>[];
    }
    const path = `${prefix}${KONG_COLLECTION_PATHS[type as Exclude<KongEntityType, 'targets'>]}`;
    // Plugin collections exist only where their plugin is loaded (and vaults, key sets, filter chains
    // only on versions that have them): no endpoint means no such entities.
    const allow404 = OPTIONAL_COLLECTIONS.has(type);
    try {
      return (await listKongCollection(http, path, kongEntitySchemas[type], {
        ...listOpts(signal),
        allow404,
      })) as KongEntityOf<T>[];
    } catch (err) {
      // `/filter-chains` answers 400 when wasm is off: then there are none.
      if (type === 'filter_chains' && isAppError(err) && err.details.status === 400) return [];
      throw err;
    }
  }

  return {
    async info(signal?: AbortSignal): Promise<KongNodeInfo> {
      const body = await http.getJson('/', signal ? { signal } : {});
      return toKongNodeInfo(parseOrThrow(http, 'GET /', kongRootSchema, body));
    },

    async status(signal?: AbortSignal): Promise<KongNodeStatus> {
      const body = await http.getJson('/status', signal ? { signal } : {});
      return toKongNodeStatus(parseOrThrow(http, 'GET /status', kongStatusSchema, body));
    },

    listEntities,

    async snapshot(signal?: AbortSignal, workspace?: string): Promise<KongSnapshot> {
      const prefix = workspace === undefined ? '' : `/${encodeURIComponent(workspace)}`;
      const out: Partial<Record<KongEntityType, unknown[]>> = {};
      // Sequential on purpose: a snapshot runs before every traffic step and must not load X's database.
      for (const type of KONG_ENTITY_TYPES) {
        if (type === 'targets') continue;
        out[type] = await listEntities(type, signal, prefix);
      }
      out.targets = await targetsOf((out.upstreams ?? []) as KongUpstream[], signal, prefix);
      return out as KongSnapshot;
    },

    async dataPlanes(signal?: AbortSignal) {
      const rows = await listKongCollection(
        http,
        '/clustering/data-planes',
        kongDataPlaneSchema,
        listOpts(signal),
      );
      return rows.map(toDataPlane);
    },

    async workspaces(signal?: AbortSignal) {
      // OSS has no /workspaces (404); Enterprise always has at least `default`.
      const rows = await listKongCollection(http, '/workspaces', kongWorkspaceSchema, {
        ...listOpts(signal),
        allow404: true,
      });
      return rows.length === 0 ? null : [...new Set(rows.map((w) => w.name))].sort();
    },
  };
}
