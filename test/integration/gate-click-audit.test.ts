import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEngine } from '../../src/engine/run-engine.js';
import { createGateClickHandler } from '../../src/slack/handle-gate-click.js';
import type { Notifier } from '../../src/slack/notifier.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { minimalConfigObject, parseConfigObject } from '../support/config-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Every refused click is audited, also those whose gate id is malformed or names no gate. */
let testDb: TestDatabase;
let db: Db;
let store: Store;

function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_t, prop) {
      throw new Error(`a refused click must not use ${name}.${String(prop)}`);
    },
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase('kub_click_audit');
  await migrate({ databaseUrl: testDb.url });
  db = createDb({ databaseUrl: testDb.url });
  store = createStore(db);
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('refused clicks without a gate', () => {
  it.each([
    ['malformed gate id', 'not-a-uuid\u0000<script>'.padEnd(300, 'x')],
    ['unknown gate id', '00000000-0000-4000-8000-00000000dead'],
  ])(
    '%s: refused, nothing changes, and an audit event names the clicker and the id',
    async (reason, gateId) => {
      const handle = createGateClickHandler({
        store,
        engine: unused<RunEngine>('engine'),
        notifier: unused<Notifier>('notifier'),
        config: parseConfigObject(minimalConfigObject()),
        log: pino({ level: 'silent' }),
        now: () => new Date(),
        isApprover: async () => true,
      });
      const reply = await handle({ userId: 'U0CLICK', action: 'approve', gateId });
      expect(reply.ephemeral).toBeTruthy();
      expect(reply.after).toBeUndefined();
      const [event] = await store.audit.recent(1);
      expect(event).toMatchObject({
        actor: 'U0CLICK',
        kind: 'gate.click_refused',
        details: { reason, action: 'approve' },
      });
      const id = String(event?.details?.gateId);
      expect(id.length).toBeLessThanOrEqual(100);
      expect(id).not.toContain('\u0000');
      expect(id.slice(0, 10)).toBe(gateId.replace('\u0000', '').slice(0, 10));
    },
  );
});
