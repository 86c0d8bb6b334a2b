import { Redis } from 'ioredis';
import type { TestBot } from '../support/start-test-bot.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

/** What "nothing changed" is measured by: rows in the bot's tables and BullMQ job keys. */
export interface StateSnapshot {
  runs: string;
  events: number;
  gates: string;
  jobKeys: number;
}

/** Runs with their versions and gates with their statuses, so an update shows, not only an insert. */
/**
 * Audit events that record a refusal or a read-only request are allowed (docs/architecture.md#security-and-reliability: every refusal
 * is audited); any other event, run or gate change, or job is a state change.
 */
const AUDIT_ONLY = ['%.refused', 'command.compare', 'command.status'];

export async function snapshotState(bot: TestBot, redis: Redis) {
  const db = bot.composition.db;
  const runs = await db.query('SELECT id, version, phase, paused FROM runs ORDER BY id');
  const events = await db.query('SELECT count(*)::int AS n FROM run_events WHERE NOT (kind LIKE ANY($1))', [
    AUDIT_ONLY,
  ]);
  const gates = await db.query('SELECT id, status FROM gates ORDER BY id');
  let jobKeys = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${bot.queuePrefix}:*`, 'COUNT', 1000);
    cursor = next;
    // Job hashes are `<prefix>:<queue>:<jobId>`; the queue's own keys (wait, meta, …) are not jobs.
    jobKeys += keys.filter((k) => /:[^:]+\.[a-z]+(\.\d+)?$|:gate\.[0-9a-f-]+$/.test(k)).length;
  } while (cursor !== '0');
  return {
    runs: JSON.stringify(runs),
    events: Number(events[0]?.n ?? 0),
    gates: JSON.stringify(gates),
    jobKeys,
  } satisfies StateSnapshot;
}

export function connectRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
}
