import { createHash } from 'node:crypto';

/** Every scratch database of a rehearsal starts with this. */
export const REHEARSAL_DATABASE_PREFIX = 'kub_rehearsal_';

/** PostgreSQL truncates identifiers at 63 bytes. */
const MAX_NAME = 63;
const TAG = 8;

const tag = (text: string) =>
  createHash('sha256').update(`kong-upgrade-bot:${text}`).digest('hex').slice(0, TAG);

/**
 * The scratch database of a run's rehearsal, e.g. `kub_rehearsal_prod_7_1a2b3c4d`: lower case letters,
 * digits and `_` only (no quoting surprises), unique per run, ending in a check tag computed from the
 * rest, so that the reconciler recognises the bot's own copies and never drops a database that only
 * looks like one.
 */
export function rehearsalDatabaseName(runId: string): string {
  const safe = runId.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  const stem = `${REHEARSAL_DATABASE_PREFIX}${safe}`.slice(0, MAX_NAME - TAG - 1);
  return `${stem}_${tag(stem)}`;
}

export function isRehearsalDatabaseName(name: string): boolean {
  if (!name.startsWith(REHEARSAL_DATABASE_PREFIX) || !/^[a-z0-9_]+$/.test(name) || name.length > MAX_NAME)
    return false;
  const stem = name.slice(0, -TAG - 1);
  return name === `${stem}_${tag(stem)}`;
}

/** The advisory lock a live rehearsal holds on its server's maintenance database while its copy exists. */
export function rehearsalLockKey(name: string): string {
  return `kong-upgrade-bot:rehearsal:${name}`;
}
