import { randomBytes } from 'node:crypto';

export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;

/** A BullMQ prefix no other test uses, so queues of parallel test files never collide. */
export function uniqueQueuePrefix(): string {
  return `kubtest-${randomBytes(5).toString('hex')}`;
}
