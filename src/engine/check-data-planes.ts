import type { ClusterConfig } from '../config/config-schema.js';
import { type DataPlaneJudgement, judgeDataPlanes, requiredDataPlanes } from '../domain/judge-data-planes.js';
import { AppError } from '../errors.js';
import type { KongAdmin } from '../kong/kong-admin.js';

type Cluster = Pick<ClusterConfig, 'minDataPlanes'>;

/** `minDataPlanes`, else one per metrics URL (a hybrid cluster lists its data planes there), else 1. */
export function minDataPlanesFor(cluster: Cluster): number {
  const urls =
    'metricsUrls' in cluster && Array.isArray(cluster.metricsUrls) ? cluster.metricsUrls.length : 1;
  return requiredDataPlanes(cluster.minDataPlanes, urls);
}

/**
 * Hybrid mode (docs/contract.md#kong-as-it-really-runs): judges a control plane's data planes. Null for a traditional node, whose
 * own proxy serves the traffic.
 */
export async function checkDataPlanes(
  admin: KongAdmin,
  cluster: Cluster,
  signal?: AbortSignal,
  now = new Date(),
): Promise<DataPlaneJudgement | null> {
  const info = await admin.info(signal);
  if (info.configuration.role !== 'control_plane') return null;
  const dataPlanes = await admin.dataPlanes(signal);
  return judgeDataPlanes({ version: info.version }, dataPlanes, now, minDataPlanesFor(cluster));
}

export function describeDataPlaneProblems(problems: readonly string[], max = 15): string {
  const lines = problems.slice(0, max).map((p) => `• ${p}`);
  if (problems.length > max) lines.push(`• …and ${problems.length - max} more`);
  return lines.join('\n');
}

export const DATA_PLANES_REMEDY =
  "Fix the data planes named above (Kong's order: upgrade the control plane first, then the data planes; same major version, a data plane's minor never newer than the control plane's; every plugin the configuration uses installed on each data plane), then wait for them to report `sync_status: normal` on the same config_hash.";

/** Throws E_DATA_PLANES_NOT_READY when Y is a control plane whose data planes may not take more traffic. */
export async function assertDataPlanesReady(
  admin: KongAdmin,
  cluster: Cluster,
  signal?: AbortSignal,
): Promise<void> {
  const judgement = await checkDataPlanes(admin, cluster, signal);
  if (judgement && !judgement.ready) {
    throw new AppError(
      'E_DATA_PLANES_NOT_READY',
      `Y's data planes are not ready:\n${describeDataPlaneProblems(judgement.problems)}`,
      { details: { problems: judgement.problems, remedy: `${DATA_PLANES_REMEDY} Rollback stays possible.` } },
    );
  }
}
