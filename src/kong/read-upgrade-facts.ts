import type { Logger } from 'pino';
import { z } from 'zod';
import { createKongHttp } from './create-kong-http.js';
import { listKongCollection } from './list-kong-collection.js';

export interface UpgradeFactsCluster {
  adminUrl: string;
  adminToken?: string | undefined;
}

export interface UpgradeFacts {
  /** X's workspace names; undefined when X does not serve `GET /workspaces` (OSS). */
  xWorkspaces?: string[];
  /** First segments of Y's `GET /endpoints`; undefined when Y does not list them. */
  yEndpoints?: string[];
}

const workspaceSchema = z.looseObject({ name: z.string() });
const endpointsSchema = z.looseObject({ data: z.array(z.string()) });

export interface ReadUpgradeFactsOptions {
  signal?: AbortSignal;
  log?: Logger;
  /** Per request (default 10 s) and extra attempts (default 3), as for the other Admin API calls. */
  timeoutMs?: number;
  retries?: number;
}

function httpFor(cluster: UpgradeFactsCluster, label: 'X' | 'Y', options: ReadUpgradeFactsOptions) {
  const { log } = options;
  return createKongHttp({
    adminUrl: cluster.adminUrl,
    ...(cluster.adminToken ? { adminToken: cluster.adminToken } : {}),
    label,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 3,
    backoffMs: 250,
    ...(log ? { log } : {}),
  });
}

/**
 * The facts the upgrade rules need beyond entities and `GET /`: X's workspaces (Enterprise) and the
 * Admin API paths Y serves (`GET /endpoints`). Each is optional: a 404 means the node has none.
 */
export async function readUpgradeFacts(
  x: UpgradeFactsCluster,
  y: UpgradeFactsCluster,
  options: ReadUpgradeFactsOptions = {},
): Promise<UpgradeFacts> {
  const { signal, log } = options;
  const xHttp = httpFor(x, 'X', options);
  const yHttp = httpFor(y, 'Y', options);
  const [workspaces, endpoints] = await Promise.all([
    xHttp.getJson('/workspaces?size=1', { allow404: true, ...(signal ? { signal } : {}) }).then((first) =>
      first === undefined
        ? undefined
        : listKongCollection(xHttp, '/workspaces', workspaceSchema, {
            pageSize: 1000,
            ...(signal ? { signal } : {}),
            ...(log ? { log } : {}),
          }),
    ),
    yHttp.getJson('/endpoints', { allow404: true, ...(signal ? { signal } : {}) }),
  ]);
  const facts: UpgradeFacts = {};
  if (workspaces !== undefined) facts.xWorkspaces = workspaces.map((w) => w.name).sort();
  const parsed = endpointsSchema.safeParse(endpoints);
  if (parsed.success) facts.yEndpoints = parsed.data.data;
  return facts;
}
