import { KONG_ENTITY_TYPES, type KongEntityType, type KongSnapshot } from '../kong/kong-entity-types.js';
import type { ClusterConfiguration } from '../kong/read-configuration.js';
import { formatCount } from '../metrics/format-numbers.js';

export interface EntityCount {
  type: KongEntityType;
  x: number;
  y: number;
  equal: boolean;
  /** Enterprise: the workspace counted. */
  workspace?: string;
}

/** Entities per type as each cluster's Admin API lists them, X next to Y. */
export function compareEntityCounts(x: KongSnapshot, y: KongSnapshot): EntityCount[] {
  return KONG_ENTITY_TYPES.map((type) => {
    const xn = x[type].length;
    const yn = y[type].length;
    return { type, x: xn, y: yn, equal: xn === yn };
  });
}

const EMPTY = Object.fromEntries(KONG_ENTITY_TYPES.map((t) => [t, []])) as unknown as KongSnapshot;

/**
 * Enterprise: counts per workspace (a workspace only one side has counts as empty on the other). Types
 * that neither side has in a workspace are left out, so the table stays readable.
 */
export function compareConfigurationCounts(x: ClusterConfiguration, y: ClusterConfiguration): EntityCount[] {
  if (!x.workspaces && !y.workspaces) return compareEntityCounts(x.all, y.all);
  const xs = x.workspaces ?? { default: x.all };
  const ys = y.workspaces ?? { default: y.all };
  const names = [...new Set([...Object.keys(xs), ...Object.keys(ys)])].sort();
  return names.flatMap((workspace) =>
    compareEntityCounts(xs[workspace] ?? EMPTY, ys[workspace] ?? EMPTY)
      .filter((c) => c.x > 0 || c.y > 0)
      .map((c) => ({ ...c, workspace })),
  );
}

/** `routes`, or `team-a/routes` for a workspace's count. */
export function entityCountLabel(c: EntityCount): string {
  return c.workspace === undefined ? c.type : `${c.workspace}/${c.type}`;
}

/** A monospace table `type | X | Y | ✅/❌` with a verdict line, for the thread. */
export function formatEntityCounts(counts: readonly EntityCount[]): string {
  const rows = counts.map((c) => [
    entityCountLabel(c),
    formatCount(c.x),
    formatCount(c.y),
    c.equal ? '✅' : '❌',
  ]);
  const header = ['entity', 'X', 'Y', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) =>
        i === 0 ? cell.padEnd(widths[i] ?? 0) : i < row.length - 1 ? cell.padStart(widths[i] ?? 0) : cell,
      )
      .join(' | ')
      .trimEnd();
  const differing = counts.filter((c) => !c.equal);
  const verdict =
    differing.length === 0
      ? `*Entities (Admin API):* ✅ X and Y list the same number of each of ${counts.length} entity types.`
      : `*Entities (Admin API):* ❌ ${differing.length} of ${counts.length} entity types differ: ${differing.map(entityCountLabel).join(', ')}.`;
  return [
    verdict,
    '```',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    '```',
  ].join('\n');
}
