import { describeDrift } from '../domain/decide-observation.js';
import type { DriftItem } from '../domain/domain-event.js';
import type { Run } from '../domain/run.js';
import { AppError } from '../errors.js';
import { configFingerprintSchema, diffFingerprints } from '../kong/fingerprint.js';
import type { KongAdmin } from '../kong/kong-admin.js';
import { fingerprintConfiguration, readConfiguration } from '../kong/read-configuration.js';
import type { RunStore } from '../store/run-store.js';

export interface CheckDriftDeps {
  runs: Pick<RunStore, 'getXFingerprint'>;
  x: KongAdmin;
}

/**
 * Re-reads X's configuration and lists what changed since the freeze. Null when the run has no
 * fingerprint (a dry run), so callers do not mistake "not checked" for "unchanged".
 */
export async function checkDrift(
  run: Run,
  deps: CheckDriftDeps,
  signal?: AbortSignal,
): Promise<DriftItem[] | null> {
  if (!run.xFingerprinted) return null;
  const stored = configFingerprintSchema.safeParse(await deps.runs.getXFingerprint(run.id));
  if (!stored.success) return null;
  // Every workspace on Enterprise; TTL'd entities gone after their expiry are not drift.
  const now = fingerprintConfiguration(await readConfiguration(deps.x, signal));
  return diffFingerprints(stored.data, now);
}

/** Throws when X drifted: no traffic increase may be applied on a configuration that changed. */
export async function assertNoDrift(run: Run, deps: CheckDriftDeps, signal?: AbortSignal): Promise<void> {
  const drift = await checkDrift(run, deps, signal);
  if (drift && drift.length > 0) {
    throw new AppError(
      'E_FREEZE_DRIFT',
      `X's configuration changed during the write freeze:\n${describeDrift(drift)}`,
      {
        details: {
          changes: drift,
          remedy:
            'Revert the change on X (or, if it was intended, make the same change on Y and start a new run). Rollback stays possible.',
        },
      },
    );
  }
}
