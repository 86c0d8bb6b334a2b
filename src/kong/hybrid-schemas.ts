import { z } from 'zod';
import type { DataPlane } from '../domain/judge-data-planes.js';

/*
 * `GET /clustering/data-planes` rows (kong.md §1.3) and `GET /workspaces` rows (Enterprise). Loose:
 * newer fields (labels, cert_details, rpc_capabilities) pass through unread.
 */

export const kongDataPlaneSchema = z.looseObject({
  id: z.string(),
  hostname: z.string().nullish(),
  ip: z.string().nullish(),
  version: z.string().nullish(),
  sync_status: z.string().nullish(),
  config_hash: z.string().nullish(),
  last_seen: z.number(),
});

export const kongWorkspaceSchema = z.looseObject({ id: z.string(), name: z.string().min(1) });

export function toDataPlane(row: z.infer<typeof kongDataPlaneSchema>): DataPlane {
  return {
    id: row.id,
    hostname: row.hostname ?? '',
    ip: row.ip ?? '',
    version: row.version ?? '',
    // Kong's schema default: a DP that never reported is `unknown`.
    syncStatus: row.sync_status ?? 'unknown',
    configHash: row.config_hash ?? '',
    lastSeen: row.last_seen,
  };
}
