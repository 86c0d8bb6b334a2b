import { describeDrift } from '../domain/decide-observation.js';
import type { DriftItem } from '../domain/domain-event.js';
import type { Run } from '../domain/run.js';
import { AppError } from '../errors.js';
import { configFingerprintSchema, diffFingerprints } from '../kong/fingerprint.js';
import type { KongAdmin } from '../kong/kong-admin.js';
import { fingerprintConfiguration, readConfiguration } from '../kong/read-configuration.js';
import type { RunStore } from '../store/run-store.js';
import type { XDigestCheck } from './x-digest-check.js';

export interface CheckDriftDeps {
  runs: Pick<RunStore, 'getXFingerprint'>;
  x: KongAdmin;
  /** Incremental check by X's database (see x-digest-check.ts); without it, the Admin API is read. */
  xDigests?: Pick<XDigestCheck, 'unchanged'>;
}

/** Stands for every change when the freeze's fingerprint cannot be read: unknown counts as drift. */
export const UNKNOWN_FREEZE: DriftItem = {
  type: 'freeze',
  id: 'fingerprint',
  name: "X's fingerprint from the freeze is missing or unreadable, so changes cannot be ruled out",
  change: 'changed',
};

/**
 * Re-reads X's configuration and lists what changed since the freeze. Null only for a dry run (no
 * freeze), so callers do not mistake "not checked" for "unchanged". Fails closed: a run whose
 * fingerprint is missing or unreadable reports UNKNOWN_FREEZE, which blocks every increase.
 */
export async function checkDrift(
  run: Run,
  deps: CheckDriftDeps,
  signal?: AbortSignal,
): Promise<DriftItem[] | null> {
  if (run.dryRun) return null;
  if (!run.xFingerprinted) return [UNKNOWN_FREEZE];
  // Drift at scale: X's tables equal to the freeze mean no drift, without reading the Admin API.
  if ((await deps.xDigests?.unchanged(run.id, signal)) === true) return [];
  const stored = configFingerprintSchema.safeParse(await deps.runs.getXFingerprint(run.id));
  if (!stored.success) return [UNKNOWN_FREEZE];
  // Every workspace on Enterprise; TTL'd entities gone after their expiry are not drift.
  const now = fingerprintConfiguration(await readConfiguration(deps.x, signal));
  return diffFingerprints(stored.data, now);
}

/** Throws when X drifted: no traffic increase may be applied on a configuration that changed. */
export async function assertNoDrift(run: Run, deps: CheckDriftDeps, signal?: AbortSignal): Promise<void> {
  const drift = await checkDrift(run, deps, signal);
  if (drift === null || drift.length > 0) {
    throw new AppError(
      'E_FREEZE_DRIFT',
      drift === null
        ? 'a dry run has no write freeze, so it never moves traffic'
        : `X's configuration changed during the write freeze:\n${describeDrift(drift)}`,
      {
        details: {
          changes: drift ?? [],
          remedy:
            'Revert the change on X (or, if it was intended, make the same change on Y and start a new run). Rollback stays possible.',
        },
      },
    );
  }
}
