import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotConfig } from '../../src/config/config-schema.js';
import type { Run } from '../../src/domain/run.js';
import { findTargetRun } from '../../src/slack/commands/find-target-run.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createRunStore, type RunStore } from '../../src/store/run-store.js';
import { minimalConfigObject, parseConfigObject } from '../support/config-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let db: Db;
let runs: RunStore;
let now = new Date('2025-11-26T10:00:00.000Z');

beforeAll(async () => {
  testDb = await createTestDatabase('kub_find_target_run');
  await migrate({ databaseUrl: testDb.url });
  db = createDb({ databaseUrl: testDb.url, max: 4 });
  runs = createRunStore(db, { clock: () => now });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

async function start(environment: string, channel: string): Promise<Run> {
  now = new Date(now.getTime() + 1000);
  const result = await runs.createRun(
    { environment, requestedBy: 'U1', channel, planSteps: [5, 100], dryRun: false },
    { actor: 'U1', kind: 'command.start', phase: null, details: {} },
  );
  if (!result.ok) throw new Error('expected a new run');
  return result.run;
}

function deps(channel?: string) {
  const config: BotConfig = parseConfigObject({
    ...minimalConfigObject(),
    ...(channel ? { slack: { channel } } : {}),
  });
  return { store: { runs }, config };
}
const ref = (run: Run) => ({ id: run.id, environment: run.environment, number: run.number });
const input = (channelId: string) => ({ text: '', userId: 'U1', channelId });

describe('findTargetRun', () => {
  it('finds the named run wherever it was started, and null for an unknown name', async () => {
    const run = await start('named', 'CELSEWHERE');
    expect((await findTargetRun(ref(run), input('CHERE'), deps()))?.id).toBe(run.id);
    expect(
      await findTargetRun({ id: 'ghost-99', environment: 'ghost', number: 99 }, input('CHERE'), deps()),
    ).toBeNull();
  });

  it('without a name, takes the newest active run of the channel the command came from', async () => {
    await start('older', 'COPS');
    const newer = await start('newer', 'COPS');
    await start('other', 'COTHER');
    expect((await findTargetRun(null, input('COPS'), deps()))?.id).toBe(newer.id);
    expect(await findTargetRun(null, input('CEMPTY'), deps())).toBeNull();
  });

  it('uses the configured channel instead, since every run is posted there', async () => {
    const run = await start('configured', 'CCONFIGURED');
    expect((await findTargetRun(null, input('COPS'), deps('CCONFIGURED')))?.id).toBe(run.id);
  });
});
