import { z } from 'zod';
import type { Weights } from '../domain/weights.js';
import { AppError } from '../errors.js';

// Loose objects: everything we do not touch must go back to the API server unchanged.
const backendRefSchema = z.looseObject({ name: z.string(), weight: z.number().int().min(0).optional() });
export const httpRouteSchema = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string() }),
  spec: z.looseObject({
    rules: z.array(z.looseObject({ backendRefs: z.array(backendRefSchema).optional() })).optional(),
  }),
});
export type HttpRoute = z.infer<typeof httpRouteSchema>;

/** Which rule and which backendRefs carry X and Y; `routeName` ("ns/name") is for messages. */
export interface HttpRouteSelector {
  routeName: string;
  ruleIndex: number;
  xBackend: string;
  yBackend: string;
}

/** Gateway API: an absent weight means 1. */
const DEFAULT_BACKEND_WEIGHT = 1;

function locate(route: HttpRoute, sel: HttpRouteSelector) {
  const rule = route.spec.rules?.[sel.ruleIndex];
  if (!rule) {
    throw new AppError(
      'E_ROUTER_READBACK',
      `HTTPRoute ${sel.routeName} has no rule at index ${sel.ruleIndex} (it has ${route.spec.rules?.length ?? 0}). ` +
        'Fix ruleIndex in the config.',
    );
  }
  const refs = rule.backendRefs ?? [];
  const xi = refs.findIndex((r) => r.name === sel.xBackend);
  const yi = refs.findIndex((r) => r.name === sel.yBackend);
  if (xi < 0 || yi < 0) {
    const missing = [xi < 0 ? sel.xBackend : '', yi < 0 ? sel.yBackend : ''].filter(Boolean).join(' and ');
    throw new AppError(
      'E_ROUTER_READBACK',
      `Rule ${sel.ruleIndex} of HTTPRoute ${sel.routeName} has no backendRef named ${missing} ` +
        `(it has: ${refs.map((r) => r.name).join(', ') || 'none'}). Add the backend or fix xBackend/yBackend in the config.`,
    );
  }
  return { refs, xi, yi };
}

/** Percent split from the two backendRefs' weights (other backends of the rule are not counted). */
export function readHttpRouteWeights(route: HttpRoute, sel: HttpRouteSelector): Weights {
  const { refs, xi, yi } = locate(route, sel);
  const wx = refs[xi]?.weight ?? DEFAULT_BACKEND_WEIGHT;
  const wy = refs[yi]?.weight ?? DEFAULT_BACKEND_WEIGHT;
  if (wx + wy === 0) {
    throw new AppError(
      'E_ROUTER_READBACK',
      `Both backends of HTTPRoute ${sel.routeName} rule ${sel.ruleIndex} have weight 0, so no traffic reaches X or Y. ` +
        'Set the weights again (e.g. roll back to 100 % X).',
    );
  }
  const y = Math.round((100 * wy) / (wx + wy));
  return { x: 100 - y, y };
}

/**
 * The merge-patch body: a merge patch replaces whole arrays, so it carries every rule as read, with
 * only the two weights changed, plus the resourceVersion it was read at (stale → 409, not overwrite).
 */
export function buildHttpRouteWeightPatch(
  route: HttpRoute,
  sel: HttpRouteSelector,
  weights: Weights,
): unknown {
  const { refs, xi, yi } = locate(route, sel);
  const backendRefs = refs.map((ref, i) =>
    i === xi ? { ...ref, weight: weights.x } : i === yi ? { ...ref, weight: weights.y } : ref,
  );
  const rules = (route.spec.rules ?? []).map((r, i) => (i === sel.ruleIndex ? { ...r, backendRefs } : r));
  return { metadata: { resourceVersion: route.metadata.resourceVersion }, spec: { rules } };
}
