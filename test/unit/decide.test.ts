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
    ['verify', 'awaiting_gate', []],
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
    expect(d.ok && d.patch).toEqual({ phase: 'observing' });
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
    ]);
    expect(d.ok && d.effects.find((e) => e.type === 'thread')).toMatchObject({
      text: expect.stringContaining('X 75 % / Y 25 %'),
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
      { type: 'weight_applied', actor: 'job:shift', weight: 25 },
      NOW,
    );
    expect(d.ok && d.patch).toMatchObject({ appliedWeight: 25, stepIndex: 1, phase: 'observing' });
    const r = decide(
      buildRun({ phase: 'rolling_back', appliedWeight: 25 }),
      { type: 'weight_applied', actor: 'job:rollback', weight: 0 },
      NOW,
    );
    expect(r.ok && r.patch).toMatchObject({ appliedWeight: 0, phase: 'rolled_back' });
    expect(
      decide(buildRun({ phase: 'observing' }), { type: 'weight_applied', actor: 'x', weight: 50 }, NOW).ok,
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
