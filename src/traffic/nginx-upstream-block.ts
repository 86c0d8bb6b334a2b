import type { Weights } from '../domain/weights.js';
import { parseJsonAs } from '../parse-json-as.js';
import { routerWeightsSchema } from './router-weights-schema.js';

export interface NginxUpstreamSpec {
  upstreamName: string;
  xServer: string;
  yServer: string;
}

const HEADER = '# Managed by kong-upgrade-bot; edits by hand are overwritten at the next traffic step.';
const WEIGHTS_PREFIX = '# kong-upgrade-bot weights: ';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function serverLine(address: string, percent: number, reduced: number): string {
  // nginx needs weight >= 1, so the idle side is kept in the block but marked down.
  return percent === 0 ? `  server ${address} weight=1 down;` : `  server ${address} weight=${reduced};`;
}

/**
 * The upstream block, with the weights repeated as JSON in a comment so `parseNginxUpstream` reads
 * exactly what was written instead of re-deriving percent from reduced nginx weights.
 */
export function renderNginxUpstream(spec: NginxUpstreamSpec, weights: Weights): string {
  const divisor = gcd(weights.x, weights.y) || 1;
  return [
    HEADER,
    `${WEIGHTS_PREFIX}${JSON.stringify({ x: weights.x, y: weights.y })}`,
    `upstream ${spec.upstreamName} {`,
    serverLine(spec.xServer, weights.x, weights.x / divisor),
    serverLine(spec.yServer, weights.y, weights.y / divisor),
    '}',
    '',
  ].join('\n');
}

export type ParseNginxUpstreamResult =
  | { ok: true; weights: Weights }
  | { ok: false; reason: 'no-weights-comment' | 'bad-weights-comment' | 'block-differs' };

/**
 * Reads the weights back. The file counts only if it is byte-for-byte what we would render for
 * those weights: a hand edit or another config's servers would make the comment a lie.
 */
export function parseNginxUpstream(spec: NginxUpstreamSpec, text: string): ParseNginxUpstreamResult {
  const line = text.split('\n').find((l) => l.startsWith(WEIGHTS_PREFIX));
  if (line === undefined) return { ok: false, reason: 'no-weights-comment' };
  const parsed = parseJsonAs(routerWeightsSchema, line.slice(WEIGHTS_PREFIX.length));
  if (parsed === undefined) return { ok: false, reason: 'bad-weights-comment' };
  const weights = { x: parsed.x, y: parsed.y };
  if (renderNginxUpstream(spec, weights) !== text) return { ok: false, reason: 'block-differs' };
  return { ok: true, weights };
}
