import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/run.js';
import type { RunEvent } from '../../src/domain/run-event.js';
import type { CommandDeps } from '../../src/slack/commands/command-context.js';
import { statusCommand } from '../../src/slack/commands/status-command.js';
import { buildRun } from '../support/build-run.js';

type Found = { run: Run; events: RunEvent[] };

/** Deps whose store answers the status read with whatever `current` holds, as the read cache does. */
function depsAnswering(state: { current: Found | null; now: Date }): CommandDeps {
  const store = {
    runs: {
      getRunWithRecentEvents: async () => state.current,
      newestActiveRunInChannel: async () => state.current?.run ?? null,
      getRun: async () => state.current?.run ?? null,
    },
  };
  return { store, now: () => state.now, config: { environments: {} } } as unknown as CommandDeps;
}

const ref = { id: 'prod-7', environment: 'prod', number: 7 };
const input = { text: 'status prod-7', userId: 'U1', channelId: 'C1' };
const event = (kind: string): RunEvent => ({
  id: 1,
  runId: 'prod-7',
  at: new Date('2026-01-01T00:00:05Z'),
  actor: 'U0REQ',
  kind,
  phase: 'preflight',
  details: {},
});

describe('statusCommand', () => {
  it('renders one read once a second, and anew for a changed read or a later second', async () => {
    const state = {
      current: { run: buildRun(), events: [event('command.start')] } as Found | null,
      now: new Date('2026-01-01T00:01:00.100Z'),
    };
    const deps = depsAnswering(state);
    const first = await statusCommand({ run: ref }, input, deps);
    // Events in words, not their audit kinds; times in each reader's own time zone, UTC as the fallback.
    expect(JSON.stringify(first.ack)).toContain(
      '<!date^1767225605^{time_secs}|00:00:05 UTC> started by <@U0REQ>',
    );
    expect(JSON.stringify(first.ack)).not.toContain('command.start');
    // The same read within the same second: the same reply, not rendered again.
    state.now = new Date('2026-01-01T00:01:00.900Z');
    expect(await statusCommand({ run: null }, input, deps)).toBe(first);
    // The next second: rendered again.
    state.now = new Date('2026-01-01T00:01:02.000Z');
    const later = await statusCommand({ run: ref }, input, deps);
    expect(later).not.toBe(first);
    // A new read (the run changed): its own reply at once, in the same second.
    state.current = { run: buildRun({ paused: true }), events: [event('run.paused')] };
    const changed = await statusCommand({ run: ref }, input, deps);
    expect(JSON.stringify(changed.ack)).toContain('UTC> paused by');
    expect(JSON.stringify(changed.ack)).not.toContain('started by');
  });

  it('says so when there is no such run, or no active run in the channel', async () => {
    const deps = depsAnswering({ current: null, now: new Date() });
    expect((await statusCommand({ run: ref }, input, deps)).ack.text).toMatch(/There is no run prod-7/);
    expect((await statusCommand({ run: null }, input, deps)).ack.text).toMatch(
      /No active run in this channel/,
    );
  });
});
