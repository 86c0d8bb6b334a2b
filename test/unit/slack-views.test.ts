import { describe, expect, it } from 'vitest';
import { createViewMethods } from '../../src/sandbox/slack-workspace/view-methods.js';
import { createWorkspaceStore } from '../../src/sandbox/slack-workspace/workspace-store.js';
import { homeView } from '../../src/slack/blocks/home-view.js';
import { reasonModalView } from '../../src/slack/blocks/reason-modal-view.js';
import { startModalView } from '../../src/slack/blocks/start-modal-view.js';
import { buildGate, buildRun } from '../support/build-run.js';

function workspace(start = 1_000_000) {
  let now = start;
  const store = createWorkspaceStore({ now: () => now });
  return { store, methods: createViewMethods(store), advance: (ms: number) => (now += ms) };
}

describe('views as the simulated Slack takes them', () => {
  it('every view the bot builds passes Slack’s view checks', () => {
    const { store, methods } = workspace();
    const envs = Array.from({ length: 12 }, (_, i) => ({ name: `env-${i}`, steps: [5, 25, 50, 100] }));
    for (const view of [
      reasonModalView({
        gateId: buildGate().id,
        action: 'approve',
        for: 'rollback',
        title: 'Roll back',
        runId: 'prod-1',
      }),
      startModalView({ environments: envs, channel: null }),
      startModalView({ environments: envs.slice(0, 1), channel: 'C0OPS' }),
    ]) {
      const r = methods['views.open']?.({ trigger_id: store.issueTrigger('U0A'), view });
      expect(r).toMatchObject({ ok: true });
    }
    const runs = Array.from({ length: 30 }, (_, i) =>
      buildRun({ id: `prod-${i + 1}`, number: i + 1, phase: 'observing', appliedWeight: 25 }),
    );
    const ended = Array.from({ length: 15 }, (_, i) =>
      buildRun({
        id: `stage-${i + 1}`,
        number: i + 1,
        phase: 'completed',
        appliedWeight: 100,
        finishedAt: new Date(),
      }),
    );
    const pending = new Map(runs.map((r) => [r.id, [buildGate({ runId: r.id, targetWeight: 50 })]]));
    const home = homeView({ active: runs, recent: ended, pending });
    expect(methods['views.publish']?.({ user_id: 'U0A', view: home })).toMatchObject({ ok: true });
    expect(JSON.stringify(home)).toContain('and 10 more');
  });

  it('a trigger is good once and for 3 s; a modal needs its title and submit; a Home tab is type home', () => {
    const { store, methods, advance } = workspace();
    const view = reasonModalView({
      gateId: buildGate().id,
      action: 'reject',
      for: 'reject',
      title: 'x',
      runId: 'prod-1',
    });
    const t = store.issueTrigger('U0A');
    expect(methods['views.open']?.({ trigger_id: t, view })).toMatchObject({ ok: true });
    expect(methods['views.open']?.({ trigger_id: t, view })).toEqual({
      ok: false,
      error: 'expired_trigger_id',
    });
    const late = store.issueTrigger('U0A');
    advance(3001);
    expect(methods['views.open']?.({ trigger_id: late, view })).toEqual({
      ok: false,
      error: 'expired_trigger_id',
    });
    const fresh = () => store.issueTrigger('U0A');
    expect(
      methods['views.open']?.({
        trigger_id: fresh(),
        view: { ...view, title: { type: 'plain_text', text: 'x'.repeat(25) } },
      }),
    ).toMatchObject({ ok: false, error: 'invalid_arguments' });
    const { submit: _drop, ...noSubmit } = view;
    expect(methods['views.open']?.({ trigger_id: fresh(), view: noSubmit })).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(methods['views.publish']?.({ user_id: 'U0A', view })).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(methods['views.update']?.({ view_id: 'V404', view })).toEqual({ ok: false, error: 'not_found' });
    expect(store.state.views.filter((v) => v.kind === 'modal')).toHaveLength(1);
  });
});
