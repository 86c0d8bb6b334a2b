import { fingerprintConfig } from '../../src/kong/fingerprint.js';
import { KONG_ENTITY_TYPES, type KongSnapshot } from '../../src/kong/kong-entity-types.js';

/**
 * The freeze fingerprint of an X with no entities: what a stubbed preflight reports, so that runs in
 * tests that skip the real preflight are frozen like real ones (without a fingerprint no increase may
 * be approved: the drift check fails closed).
 */
export function emptyXFingerprint(): unknown {
  const snapshot = Object.fromEntries(KONG_ENTITY_TYPES.map((t) => [t, []])) as unknown as KongSnapshot;
  return fingerprintConfig(snapshot);
}
