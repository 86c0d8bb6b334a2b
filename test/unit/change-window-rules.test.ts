import { describe, expect, it } from 'vitest';
import type { WindowState } from '../../src/domain/change-window-state.js';
import { decide } from '../../src/domain/decide.js';
import { increaseBlockers } from '../../src/domain/increase-blockers.js';
import { judgeGateClick } from '../../src/domain/judge-gate-click.js';
import { buildGate, buildRun } from '../support/build-run.js';

const NOW = new Date('2026-12-24T12:00:00Z');
const LATER = new Date('2026-12-24T13:00:00Z');
const closed: WindowState = {
  open: false,
  reason: 'a change blackout runs 2026-12-20 to 2027-01-04 (UTC): holiday freeze',
  opensAt: new Date('2027-01-05T00:00:00Z'),
};
const open: WindowState = { open: true };
const policy = (window?: WindowState) => ({ observeSeconds: 600, intervalSeconds: 60, window });
/** Y has held 25 % for 20 minutes with passing comparisons. */
const observing = buildRun({
  phase: 'observing',
  requestedBy: 'U0REQ',
  appliedWeight: 25,
  stepIndex: 1,
  stepStartedAt: new Date(NOW.getTime() - 1_200_000),
  xFingerprinted: true,
  lastVerdict: 'pass',
});
const comparison = {
  type: 'comparison_made' as const,
  verdict: 'pass' as const,
  failing: [],
  drift: [],
  rollbackPending: false,
};
const gatesOf = (d: ReturnType<typeof decide>) =>
  d.ok ? d.effects.filter((e) => e.type === 'request_gate') : [];

describe('change windows in the traffic rules', () => {
  it('a closed window is a blocker of every increase, naming why and when it opens', () => {
    expect(
      increaseBlockers(
        observing,
        { kind: 'shift', weight: 50 },
        { now: NOW, observeSeconds: 600, rollbackPending: false, window: open },
      ),
    ).toEqual([]);
    expect(
      increaseBlockers(
        observing,
        { kind: 'shift', weight: 50 },
        { now: NOW, observeSeconds: 600, rollbackPending: false, window: closed },
      ),
    ).toEqual([`${closed.reason}; traffic may move again from 2027-01-05 00:00 UTC`]);
  });

  it('no next-step gate is offered in a closed window; it is once open', () => {
    expect(gatesOf(decide(observing, comparison, NOW, policy(closed)))).toEqual([]);
    expect(gatesOf(decide(observing, comparison, NOW, policy(open)))).toHaveLength(1);
    expect(gatesOf(decide(observing, comparison, NOW, policy()))).toHaveLength(1);
  });

  it('a manual shift upward is refused in a closed window; a shift down and a rollback are not', () => {
    const up = decide(
      observing,
      { type: 'shift_requested', actor: 'U0OP', percent: 50 },
      NOW,
      policy(closed),
    );
    expect(up.ok).toBe(false);
    expect(!up.ok && up.reason).toMatch(/holiday freeze.*2027-01-05 00:00 UTC/);
    expect(
      decide(observing, { type: 'shift_requested', actor: 'U0OP', percent: 5 }, NOW, policy(closed)).ok,
    ).toBe(true);
    const back = decide(observing, { type: 'rollback_requested', actor: 'U0OP' }, NOW, policy(closed));
    expect(back.ok && back.events[0]?.details).toEqual({ from: 25, outsideChangeWindow: true });
    const inWindow = decide(observing, { type: 'rollback_requested', actor: 'U0OP' }, NOW, policy(open));
    expect(inWindow.ok && inWindow.events[0]?.details).toEqual({ from: 25 });
  });

  it('abort works in a closed window', () => {
    expect(decide(observing, { type: 'abort_requested', actor: 'U0OP' }, NOW, policy(closed)).ok).toBe(true);
  });

  it('an increase is not approved in a closed window; a rollback is, labelled break-glass', () => {
    const gateRun = { ...observing, phase: 'awaiting_gate' as const };
    const click = {
      userId: 'U0APP',
      action: 'approve' as const,
      now: NOW,
      userIsApprover: true,
      fourEyes: true,
    };
    const ctx = { approvals: [], rollbackPending: false, observeSeconds: 600 };
    const step = judgeGateClick(buildGate({ targetWeight: 50, expiresAt: LATER }), gateRun, click, {
      ...ctx,
      window: closed,
    });
    expect(step.outcome).toBe('refused');
    expect(step.outcome === 'refused' && step.reason).toMatch(/holiday freeze/);
    expect(
      judgeGateClick(buildGate({ targetWeight: 50, expiresAt: LATER }), gateRun, click, {
        ...ctx,
        window: open,
      }).outcome,
    ).toBe('approved');
    const rollback = judgeGateClick(
      buildGate({ kind: 'rollback', targetWeight: 0, expiresAt: LATER }),
      gateRun,
      click,
      {
        ...ctx,
        window: closed,
      },
    );
    expect(rollback.outcome).toBe('approved');
    if (rollback.outcome === 'reason_needed') throw new Error('no reason is required here');
    expect(rollback.event.details).toMatchObject({ outsideChangeWindow: true });
    const normal = judgeGateClick(
      buildGate({ kind: 'rollback', targetWeight: 0, expiresAt: LATER }),
      gateRun,
      click,
      {
        ...ctx,
        window: open,
      },
    );
    if (normal.outcome === 'reason_needed') throw new Error('no reason is required here');
    expect(normal.event.details).not.toHaveProperty('outsideChangeWindow');
  });

  it('verify passing in a closed window holds the first step back and says when it is offered', () => {
    const verify = buildRun({ phase: 'verify', planSteps: [10, 100], xFingerprinted: true });
    const d = decide(verify, { type: 'job_succeeded', job: 'verify', summary: 'ok' }, NOW, policy(closed));
    expect(d.ok && d.patch.phase).toBe('awaiting_gate');
    expect(gatesOf(d)).toEqual([]);
    expect(d.ok && d.events.map((e) => e.kind)).toContain('window.deferred');
    const lines = d.ok ? d.effects.flatMap((e) => (e.type === 'thread' ? [e.text] : [])) : [];
    expect(lines.join('\n')).toMatch(/first step \(10 % to Y\) is offered when the window opens/);
    expect(
      gatesOf(decide(verify, { type: 'job_succeeded', job: 'verify', summary: 'ok' }, NOW, policy(open))),
    ).toHaveLength(1);
  });

  it('window_opened offers the held-back first step only while the window is open', () => {
    const waiting = buildRun({
      phase: 'awaiting_gate',
      planSteps: [10, 100],
      appliedWeight: 0,
      xFingerprinted: true,
    });
    expect(gatesOf(decide(waiting, { type: 'window_opened' }, NOW, policy(open)))).toMatchObject([
      { kind: 'shift', targetWeight: 10 },
    ]);
    expect(decide(waiting, { type: 'window_opened' }, NOW, policy(closed)).ok).toBe(false);
    expect(decide(observing, { type: 'window_opened' }, NOW, policy(open)).ok).toBe(false);
  });
});
