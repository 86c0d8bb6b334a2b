import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHomeTab } from '../../src/slack/home-tab.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The App Home tab against real PostgreSQL: who gets it, and when it is sent again. */
describe('App Home tab', () => {
  let testDb: TestDatabase;
  let db: Db;
  let store: Store;
  const published: { user: string; view: Record<string, unknown> }[] = [];
  let failFor: string | null = null;

  beforeAll(async () => {
    testDb = await createTestDatabase('kub_home_tab');
    await migrate({ databaseUrl: testDb.url });
    db = createDb({ databaseUrl: testDb.url });
    store = createStore(db);
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const tab = () =>
    createHomeTab({
      store,
      log: pino({ level: 'silent' }),
      publish: async (user, view) => {
        if (user === failFor) throw new Error('ratelimited');
        published.push({ user, view });
      },
    });
  const shownTo = (user: string) => published.filter((p) => p.user === user);

  it('opening publishes at once; a refresh sends only tabs that changed, to recent viewers only', async () => {
    const home = tab();
    await home.opened('U0ANN');
    await home.opened('U0BEN');
    expect(shownTo('U0ANN')).toHaveLength(1);
    expect(JSON.stringify(shownTo('U0ANN')[0]?.view)).toContain('No run is active.');
    // Someone who looked eight days ago is not kept up to date.
    await db.query(
      "INSERT INTO home_viewers (user_id, opened_at) VALUES ('U0OLD', now() - interval '8 days')",
    );
    // Nothing changed: a refresh sends nothing.
    await home.refresh();
    expect(published).toHaveLength(2);
    const created = await store.runs.createRun(
      { environment: 'prod', requestedBy: 'U0ANN', channel: 'C0OPS', planSteps: [5, 100], dryRun: false },
      { actor: 'U0ANN', kind: 'command.start', phase: null, details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    await home.refresh();
    expect(published.map((p) => p.user).sort()).toEqual(['U0ANN', 'U0ANN', 'U0BEN', 'U0BEN']);
    expect(JSON.stringify(shownTo('U0BEN').at(-1)?.view)).toContain(created.run.id);
    expect(shownTo('U0OLD')).toEqual([]);
    // Opening again always publishes, even when unchanged (Slack may show an older tab).
    await home.opened('U0ANN');
    expect(shownTo('U0ANN')).toHaveLength(3);
    home.close();
  });

  it('a failed publish is logged and retried on the next refresh; other viewers still get theirs', async () => {
    const home = tab();
    await home.opened('U0CAT');
    const before = published.length;
    failFor = 'U0CAT';
    await store.runs.createRun(
      { environment: 'stage', requestedBy: 'U0ANN', channel: 'C0OPS', planSteps: [100], dryRun: false },
      { actor: 'U0ANN', kind: 'command.start', phase: null, details: {} },
    );
    await home.refresh();
    expect(
      published
        .slice(before)
        .map((p) => p.user)
        .sort(),
    ).toEqual(['U0ANN', 'U0BEN']);
    failFor = null;
    await home.refresh();
    expect(published.slice(before).map((p) => p.user)).toContain('U0CAT');
    home.close();
  });
});
