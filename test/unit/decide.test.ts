import { describe, expect, it } from 'vitest';
import { decide } from '../../src/domain/decide.js';
import type { DomainEvent } from '../../src/domain/domain-event.js';
import type { Effect } from '../../src/domain/effects.js';
import type { Phase } from '../../src/domain/run.js';
import { buildGate, buildRun } from '../support/build-run.js';

const NOW = new Date('2026-01-01T01:00:00Z');
const ok = (summary = 'done') => summary;

function enqueued(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'enqueue' ? [`${e.job}@${e.jobId}`] : []));
}

describe('decide: the preparation chain', () => {
  const chain: [Phase, Phase, string[]][] = [
    ['preflight', 'backup', ['backup@prod-7.backup']],
    ['backup', 'restore', ['restore@prod-7.restore']],
    ['restore', 'deploy', ['deploy@prod-7.deploy']],
    ['deploy', 'verify', ['verify@prod-7.verify']],
    // With the first gate, one compare job records X's baseline for the charts.
    ['verify', 'awaiting_gate', ['compare@prod-7.compare.baseline']],
  ];
  it.each(chain)('%s succeeded -> %s', (phase, next, jobs) => {
    const d = decide(
      buildRun({ phase }),
      { type: 'job_succeeded', job: phase as 'backup', summary: ok() },
      NOW,
    );
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.patch.phase).toBe(next);
    expect(enqueued(d.effects)).toEqual(jobs);
    expect(d.events[0]?.kind).toBe(`job.${phase}.succeeded`);
    expect(d.effects).toContainEqual({ type: 'update_card' });
  });

  it('after verify it asks approval for the first plan step', () => {
    const d = decide(
      buildRun({ phase: 'verify', planSteps: [10, 100] }),
      { type: 'job_succeeded', job: 'verify', summary: 'ok' },
      NOW,
    );
    expect(d.ok && d.effects.find((e) => e.type === 'request_gate')).toMatchObject({
      kind: 'shift',
      targetWeight: 10,
    });
  });

  it('a paused run advances its phase but starts nothing new', () => {
    const d = decide(
      buildRun({ phase: 'backup', paused: true }),
      { type: 'job_succeeded', job: 'backup', summary: 'ok' },
      NOW,
    );
    expect(d.ok && d.patch.phase).toBe('restore');
    expect(d.ok && enqueued(d.effects)).toEqual([]);
  });

  it('a dry run completes after preflight without touching anything', () => {
    const d = decide(
      buildRun({ dryRun: true }),
      { type: 'job_succeeded', job: 'preflight', summary: 'ok' },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ phase: 'completed', finishedAt: NOW });
    expect(d.ok && enqueued(d.effects)).toEqual([]);
  });

  it('keeps the facts a job learned', () => {
    const d = decide(
      buildRun({ fromVersion: null }),
      {
        type: 'job_succeeded',
        job: 'preflight',
        summary: 'ok',
        facts: { fromVersion: '3.4.2', toVersion: '3.9.1' },
      },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ fromVersion: '3.4.2', toVersion: '3.9.1' });
  });

  it.each<[Phase, string]>([
    ['backup', 'preflight'],
    ['restore', 'backup'],
    ['completed', 'verify'],
  ])('in %s a late %s result changes nothing', (phase, job) => {
    const d = decide(buildRun({ phase }), { type: 'job_succeeded', job: job as 'backup', summary: 'x' }, NOW);
    expect(d.ok).toBe(false);
  });
});

describe('decide: failures', () => {
  it('a preparation failure fails the run and keeps phase and reason', () => {
    const d = decide(
      buildRun({ phase: 'backup' }),
      {
        type: 'job_failed',
        job: 'backup',
        code: 'E_DISK',
        message: 'no space left on /backups',
        remedy: 'Free space.',
      },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ phase: 'failed', failedPhase: 'backup', finishedAt: NOW });
    expect(d.ok && d.patch.failureReason).toContain('E_DISK');
    expect(d.ok && d.effects.some((e) => e.type === 'thread' && e.text.includes('Free space.'))).toBe(true);
  });

  it('a failed traffic step leaves the recorded weight and goes back to observing', () => {
    const d = decide(
      buildRun({ phase: 'shifting', appliedWeight: 5, stepIndex: 0 }),
      { type: 'job_failed', job: 'shift', code: 'E_ROUTER_APPLY', message: 'nginx -t failed' },
      NOW,
    );
    expect(d.ok && d.patch).toEqual({ phase: 'observing', inFlightGateId: null });
  });

  it('a traffic step that failed part-way records the split the router reports', () => {
    const d = decide(
      buildRun({ phase: 'shifting', appliedWeight: 5, stepIndex: 0 }),
      {
        type: 'job_failed',
        job: 'shift',
        code: 'E_ROUTER_APPLY',
        message: 'second PATCH refused',
        observedWeight: 12,
      },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({
      appliedWeight: 12,
      stepIndex: 0,
      phase: 'observing',
      stepStartedAt: NOW,
    });
    expect(d.ok && d.effects.find((e) => e.type === 'thread')).toMatchObject({
      text: expect.stringContaining('X 88 % / Y 12 %'),
    });
  });

  it('a rollback that failed is never given up: the run stays rolling back', () => {
    const d = decide(
      buildRun({ phase: 'rolling_back', appliedWeight: 50 }),
      {
        type: 'job_failed',
        job: 'rollback',
        code: 'E_ROUTER_APPLY',
        message: 'router down',
        observedWeight: 50,
      },
      NOW,
    );
    expect(d.ok && d.patch.phase).toBeUndefined();
    expect(d.ok && d.effects.find((e) => e.type === 'thread')).toMatchObject({
      text: expect.stringContaining('keeps trying'),
    });
  });

  it('completion that did not go through goes back to observing, never to failed', () => {
    const d = decide(
      buildRun({ phase: 'completing', appliedWeight: 100 }),
      { type: 'job_failed', job: 'complete', code: 'E_INVALID_INPUT', message: 'router at 70' },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ phase: 'observing' });
  });

  it('a compare failure is only a warning', () => {
    const d = decide(
      buildRun({ phase: 'observing' }),
      { type: 'job_failed', job: 'compare', code: 'E_METRICS_UNREACHABLE', message: 'down' },
      NOW,
    );
    expect(d.ok && d.patch).toEqual({});
  });
});

describe('decide: commands', () => {
  const events: [string, DomainEvent][] = [
    ['abort', { type: 'abort_requested', actor: 'U1' }],
    ['pause', { type: 'pause_requested', actor: 'U1' }],
  ];
  it.each(events)('%s is refused on an ended run', (_name, event) => {
    for (const phase of ['completed', 'rolled_back', 'failed', 'aborted'] as Phase[]) {
      expect(decide(buildRun({ phase }), event, NOW).ok).toBe(false);
    }
  });

  it('abort stops jobs, keeps traffic where it is and says so', () => {
    const d = decide(
      buildRun({ phase: 'observing', appliedWeight: 25 }),
      { type: 'abort_requested', actor: 'U1' },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ phase: 'aborted', failedPhase: 'observing' });
    expect(d.ok && d.patch.appliedWeight).toBeUndefined();
    expect(d.ok && d.effects.map((e) => e.type)).toEqual([
      'cancel_jobs',
      'close_gates',
      'thread',
      'update_card',
      'enqueue',
    ]);
    expect(d.ok && d.effects.find((e) => e.type === 'enqueue')).toMatchObject({ job: 'readback' });
    expect(d.ok && d.effects.find((e) => e.type === 'thread')).toMatchObject({
      text: expect.stringContaining('X 75 % / Y 25 %'),
    });
    // With Y still serving, the freeze is not announced as over.
    expect(d.ok && d.effects.find((e) => e.type === 'thread')).not.toMatchObject({
      text: expect.stringContaining('freeze of this run has ended'),
    });
    expect(d.ok && d.events[0]).toMatchObject({ actor: 'U1', kind: 'run.aborted' });
  });

  it('pause then resume re-enqueues the job of the current preparation phase', () => {
    expect(decide(buildRun({ paused: true }), { type: 'pause_requested', actor: 'U1' }, NOW).ok).toBe(false);
    const d = decide(
      buildRun({ phase: 'restore', paused: true }),
      { type: 'resume_requested', actor: 'U1' },
      NOW,
    );
    expect(d.ok && enqueued(d.effects)).toEqual(['restore@prod-7.restore']);
    expect(decide(buildRun(), { type: 'resume_requested', actor: 'U1' }, NOW).ok).toBe(false);
  });

  it('run_created posts the card, opens the thread and enqueues preflight', () => {
    const d = decide(buildRun(), { type: 'run_created', actor: 'U1' }, NOW);
    expect(d.ok && d.effects.map((e) => e.type)).toEqual(['post_card', 'thread', 'enqueue']);
    expect(d.ok && enqueued(d.effects)).toEqual(['preflight@prod-7.preflight']);
  });
});

describe('decide: gates and weights', () => {
  it('an approved shift gate enqueues exactly one job keyed by the gate', () => {
    const gate = buildGate({ targetWeight: 25 });
    const d = decide(
      buildRun({ phase: 'awaiting_gate' }),
      { type: 'gate_decided', actor: 'U2', gate, outcome: 'approved' },
      NOW,
    );
    expect(d.ok && d.patch.phase).toBe('shifting');
    expect(d.ok && enqueued(d.effects)).toEqual([`shift@gate.${gate.id}`]);
  });

  it('an approved rollback cancels other work first, then enqueues the rollback', () => {
    const gate = buildGate({ kind: 'rollback', targetWeight: 0 });
    const d = decide(
      buildRun({ phase: 'observing', appliedWeight: 25 }),
      { type: 'gate_decided', actor: 'U2', gate, outcome: 'approved' },
      NOW,
    );
    expect(d.ok && d.effects.map((e) => e.type)).toEqual([
      'cancel_jobs',
      'close_gates',
      'thread',
      'update_card',
      'enqueue',
    ]);
  });

  it('a decision with a reason says it in the thread on one line, escaped, with its ticket', () => {
    const gate = buildGate();
    const d = decide(
      buildRun({ phase: 'awaiting_gate' }),
      {
        type: 'gate_decided',
        actor: 'U2',
        gate,
        outcome: 'rejected',
        reason: { text: 'slow <!channel>\n:white_check_mark: <@U9> approved "Complete"', ticket: 'OPS-1' },
      },
      NOW,
    );
    const line = d.ok ? d.effects.find((e) => e.type === 'thread') : undefined;
    const text = line && 'text' in line ? String(line.text) : '';
    expect(text).toContain(
      'Reason: "slow &lt;!channel&gt; :white_check_mark: &lt;@U9&gt; approved "Complete"" (ticket OPS-1).',
    );
    expect(text).not.toContain('\n');
  });

  it('a rejected or expired gate changes nothing', () => {
    const gate = buildGate();
    const rejected = decide(
      buildRun({ phase: 'awaiting_gate' }),
      { type: 'gate_decided', actor: 'U2', gate, outcome: 'rejected' },
      NOW,
    );
    expect(rejected.ok && rejected.patch).toEqual({});
    const expired = decide(buildRun({ phase: 'awaiting_gate' }), { type: 'gate_expired', gate }, NOW);
    expect(expired.ok && expired.patch).toEqual({});
  });

  it('a confirmed weight is recorded with its plan step; a rollback ends the run', () => {
    const d = decide(
      buildRun({ phase: 'shifting' }),
      { type: 'weight_applied', actor: 'job:shift', job: 'shift', weight: 25 },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ appliedWeight: 25, stepIndex: 1, phase: 'observing' });
    const r = decide(
      buildRun({ phase: 'rolling_back', appliedWeight: 25 }),
      { type: 'weight_applied', actor: 'job:rollback', job: 'rollback', weight: 0 },
      NOW,
    );
    expect(r.ok && r.patch).toMatchObject({ appliedWeight: 0, phase: 'rolled_back' });
    expect(
      decide(
        buildRun({ phase: 'observing' }),
        { type: 'weight_applied', actor: 'x', job: 'shift', weight: 50 },
        NOW,
      ).ok,
    ).toBe(false);
  });
});

describe('decide: failure lines', () => {
  it('never doubles the full stop of a message that has one', () => {
    const d = decide(
      buildRun({ phase: 'restore' }),
      {
        type: 'job_failed',
        job: 'restore',
        code: 'E_RESTORE_FAILED',
        message: 'pg_restore failed; then retry.',
        remedy: 'Start a new run.',
      },
      NOW,
    );
    const text = d.ok ? (d.effects.find((e) => e.type === 'thread') as { text: string }).text : '';
    expect(text).toContain('then retry. Start a new run.');
    expect(text).not.toContain('..');
  });
});

describe('decide: traffic results count only for the job and gate that produced them', () => {
  const GATE = '00000000-0000-4000-8000-0000000000aa';
  const OTHER = '00000000-0000-4000-8000-0000000000bb';
  const applied = (job: 'shift' | 'rollback', weight: number, gateId = GATE): DomainEvent => ({
    type: 'weight_applied',
    actor: `job:${job}`,
    job,
    weight,
    gateId,
  });

  it("a shift's result during a rollback is not the rollback's result", () => {
    const rolling = buildRun({ phase: 'rolling_back', appliedWeight: 25, inFlightGateId: GATE });
    expect(decide(rolling, applied('shift', 50), NOW).ok).toBe(false);
    expect(decide(rolling, applied('rollback', 0, OTHER), NOW).ok).toBe(false);
    expect(decide(rolling, applied('rollback', 50), NOW).ok).toBe(false);
    const done = decide(rolling, applied('rollback', 0), NOW);
    expect(done.ok && done.patch).toMatchObject({
      phase: 'rolled_back',
      appliedWeight: 0,
      inFlightGateId: null,
    });
    expect(done.ok && done.effects.map((e) => e.type)).toContain('close_gates');
  });

  it('a shift result for another gate than the one in flight is refused', () => {
    const shifting = buildRun({ phase: 'shifting', appliedWeight: 5, inFlightGateId: GATE });
    expect(decide(shifting, applied('shift', 25, OTHER), NOW).ok).toBe(false);
    const d = decide(shifting, applied('shift', 25), NOW);
    expect(d.ok && d.patch).toMatchObject({
      appliedWeight: 25,
      phase: 'observing',
      stepStartedAt: NOW,
      stepFailing: false,
    });
  });

  it('a shift gate approved after a rollback began does nothing; a rollback always may', () => {
    const rolling = buildRun({ phase: 'rolling_back', appliedWeight: 25 });
    const shift = decide(
      rolling,
      { type: 'gate_decided', actor: 'U2', gate: buildGate({ targetWeight: 50 }), outcome: 'approved' },
      NOW,
    );
    expect(shift.ok).toBe(false);
    const aborted = buildRun({ phase: 'aborted', appliedWeight: 5 });
    const rollback = decide(
      aborted,
      {
        type: 'gate_decided',
        actor: 'U2',
        gate: buildGate({ kind: 'rollback', targetWeight: 0 }),
        outcome: 'approved',
      },
      NOW,
    );
    expect(rollback.ok && rollback.patch).toMatchObject({ phase: 'rolling_back', finishedAt: null });
  });

  it('completion is approved only at a confirmed 100 %', () => {
    const gate = buildGate({ kind: 'complete', targetWeight: 100 });
    expect(
      decide(
        buildRun({ phase: 'awaiting_gate', appliedWeight: 70 }),
        { type: 'gate_decided', actor: 'U2', gate, outcome: 'approved' },
        NOW,
      ).ok,
    ).toBe(false);
    expect(
      decide(
        buildRun({ phase: 'awaiting_gate', appliedWeight: 100 }),
        { type: 'gate_decided', actor: 'U2', gate, outcome: 'approved' },
        NOW,
      ).ok,
    ).toBe(true);
  });

  it('abort is refused while a rollback is in progress (the rollback finishes first)', () => {
    expect(
      decide(
        buildRun({ phase: 'rolling_back', appliedWeight: 25 }),
        { type: 'abort_requested', actor: 'U1' },
        NOW,
      ).ok,
    ).toBe(false);
  });

  it('rollback can be asked for after an abort that left Y traffic, not after one that did not', () => {
    const ask: DomainEvent = { type: 'rollback_requested', actor: 'U1' };
    expect(decide(buildRun({ phase: 'aborted', appliedWeight: 5 }), ask, NOW).ok).toBe(true);
    expect(decide(buildRun({ phase: 'aborted', appliedWeight: 0 }), ask, NOW).ok).toBe(false);
    expect(decide(buildRun({ phase: 'completed', appliedWeight: 100 }), ask, NOW).ok).toBe(false);
  });

  it('the router read back after an abort is recorded, and the freeze stays while Y serves', () => {
    const aborted = buildRun({ phase: 'aborted', appliedWeight: 5 });
    const d = decide(
      aborted,
      { type: 'weight_observed', actor: 'job:readback', weight: 25, reason: 'abort' },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ appliedWeight: 25, stepIndex: 1 });
    expect(d.ok && d.effects.find((e) => e.type === 'thread')).toMatchObject({
      text: expect.stringContaining('write freeze on X stays'),
    });
    const zero = decide(
      aborted,
      { type: 'weight_observed', actor: 'job:readback', weight: 0, reason: 'abort' },
      NOW,
    );
    expect(zero.ok && zero.effects.find((e) => e.type === 'thread')).toMatchObject({
      text: expect.stringContaining('write freeze of this run has ended'),
    });
  });
});
