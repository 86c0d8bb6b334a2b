import {
  type DataPlane,
  dataPlaneName,
  judgeDataPlanes,
  versionProblem,
} from '../domain/judge-data-planes.js';
import type { PreflightCheck } from './preflight-checks.js';

export interface ClusterDataPlanes {
  /** The control plane's version. */
  version: string;
  dataPlanes: readonly DataPlane[];
  /** minDataPlanes in force for the cluster. */
  min: number;
}

const CP_FIRST =
  "Kong's order in hybrid mode: upgrade the control plane first, then the data planes (a data plane may be older than its control plane by minor versions of the same major, never newer). The bot moves traffic only to Y's data planes, and only while they are connected, `sync_status: normal` and on one config_hash.";

/**
 * Preflight (docs/contract.md#kong-as-it-really-runs): X's and Y's data planes when they run in hybrid mode. A data plane newer
 * than its control plane is a warning (Kong refuses it config); how Y's data planes must look before
 * traffic moves is explained with the CP-first order. No check at all for traditional clusters.
 */
export function dataPlaneChecks(
  input: { x: ClusterDataPlanes | null; y: ClusterDataPlanes | null },
  now: Date,
): PreflightCheck[] {
  const checks: PreflightCheck[] = [];
  for (const [side, c] of [
    ['X', input.x],
    ['Y', input.y],
  ] as const) {
    if (!c) continue;
    const nowS = now.getTime() / 1000;
    const items = [...c.dataPlanes]
      .sort((a, b) => dataPlaneName(a).localeCompare(dataPlaneName(b)))
      .map(
        (dp) =>
          `${dataPlaneName(dp)}: ${dp.version || 'version unknown'}, sync_status ${dp.syncStatus}, config_hash ${dp.configHash.slice(0, 12)}…, last seen ${Math.max(0, Math.round(nowS - dp.lastSeen))} s ago`,
      );
    const newer = c.dataPlanes.filter((dp) => /newer/.test(versionProblem(c.version, dp.version) ?? ''));
    const judgement = judgeDataPlanes({ version: c.version }, c.dataPlanes, now, c.min);
    if (newer.length > 0) {
      checks.push({
        id: `data-planes-${side.toLowerCase()}`,
        title: `${side}'s data planes (hybrid mode)`,
        status: 'warn',
        detail: `${side}'s control plane runs ${c.version}, and ${newer.length} data plane(s) run a newer version: ${newer.map(dataPlaneName).join(', ')}. Kong gives them no configuration (kong_version_incompatible).`,
        remedy: CP_FIRST,
        items,
      });
      continue;
    }
    // Y's DPs are judged again after the deploy; before it they may legitimately lag.
    const status = side === 'X' && !judgement.ready ? 'warn' : 'pass';
    checks.push({
      id: `data-planes-${side.toLowerCase()}`,
      title: `${side}'s data planes (hybrid mode)`,
      status,
      detail:
        status === 'warn'
          ? `${side} is a hybrid control plane (${c.version}); its data planes are not all ready: ${judgement.problems.join('; ')}.`
          : `${side} is a hybrid control plane (${c.version}) with ${judgement.connected} connected data plane(s). ${side === 'Y' ? CP_FIRST : ''}`.trim(),
      ...(status === 'warn' ? { remedy: CP_FIRST } : {}),
      items,
    });
  }
  return checks;
}
