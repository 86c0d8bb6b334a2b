import { KONG_ENTITY_TYPES, type KongEntityType, type KongSnapshot } from './kong-entity-types.js';

/** One entity whose shared fields differ between X and Y after normalisation. */
export interface EntityFieldDifference {
  type: KongEntityType;
  id: string;
  name?: string;
  /** Dotted paths of the fields that differ, e.g. `config.minute`. */
  fields: string[];
}

export interface CompareEntityFieldsOptions {
  /** Kong majors of X and Y: crossing 2.x → 3.x, the 3.0 migration's `~` on regex paths is expected. */
  xMajor?: number;
  yMajor?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** cjson encodes an empty Lua table either way: 3.13 made empty records `{}` where they were `[]`. */
const isEmpty = (v: unknown) =>
  (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);

/**
 * Paths of the differences between two Admin API values, comparing only keys both sides have (a
 * field one version lacks is not a difference: new fields come with new versions) and treating known
 * encoding differences as equal: `[]` ≡ `{}` (3.13), and the `~` the 3.0 migration puts on regex paths.
 */
export function differingFields(
  x: unknown,
  y: unknown,
  path: string,
  options: CompareEntityFieldsOptions,
): string[] {
  if (isEmpty(x) && isEmpty(y)) return [];
  if (isRecord(x) && isRecord(y)) {
    return Object.keys(x)
      .filter((k) => k in y)
      .sort()
      .flatMap((k) => differingFields(x[k], y[k], path ? `${path}.${k}` : k, options));
  }
  if (Array.isArray(x) && Array.isArray(y)) {
    if (x.length !== y.length) return [path];
    return x.some((v, i) => differingFields(v, y[i], path, options).length > 0) ? [path] : [];
  }
  if (
    path === 'paths' &&
    typeof x === 'string' &&
    typeof y === 'string' &&
    (options.xMajor ?? 3) < 3 &&
    (options.yMajor ?? 3) >= 3
  ) {
    return x === y || `~${x}` === y ? [] : [path];
  }
  return Object.is(x, y) || JSON.stringify(x) === JSON.stringify(y) ? [] : [path];
}

/** Entities present on both sides (by id) whose shared fields differ, per type in snapshot order. */
export function compareEntityFields(
  x: KongSnapshot,
  y: KongSnapshot,
  options: CompareEntityFieldsOptions = {},
): EntityFieldDifference[] {
  const out: EntityFieldDifference[] = [];
  for (const type of KONG_ENTITY_TYPES) {
    const yById = new Map<string, unknown>(y[type].map((e) => [e.id, e]));
    for (const entity of x[type]) {
      const other = yById.get(entity.id);
      if (other === undefined) continue;
      const fields = differingFields(entity, other, '', options);
      if (fields.length === 0) continue;
      const name =
        (entity as { name?: unknown; username?: unknown }).name ??
        (entity as { username?: unknown }).username;
      out.push({
        type,
        id: entity.id,
        ...(typeof name === 'string' ? { name } : {}),
        fields: [...new Set(fields)],
      });
    }
  }
  return out;
}

/** One thread line: which entities differ in which fields (information: Y's migrations may rewrite fields). */
export function formatEntityFieldDifferences(
  diffs: readonly EntityFieldDifference[],
  compared: number,
): string {
  if (diffs.length === 0)
    return `*Entity fields (Admin API):* ✅ ${compared} entities listed by both sides agree on every field both versions have (empty records compared as equal whether \`[]\` or \`{}\`).`;
  const shown = diffs
    .slice(0, 10)
    .map((d) => `${d.type} ${d.name ?? d.id}: ${d.fields.slice(0, 5).join(', ')}`)
    .join('; ');
  const more = diffs.length > 10 ? `; and ${diffs.length - 10} more` : '';
  return `*Entity fields (Admin API):* ℹ️ ${diffs.length} of ${compared} entities differ in fields both versions have (Y's migrations may have rewritten them): ${shown}${more}.`;
}
