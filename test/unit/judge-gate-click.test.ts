import { describe, expect, it } from 'vitest';
import { type GateClick, type GateClickContext, judgeGateClick } from '../../src/domain/judge-gate-click.js';
import type { Run } from '../../src/domain/run.js';
import { buildGate, buildRun } from '../support/build-run.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const click = (o: Partial<GateClick> = {}): GateClick => ({
  userId: 'U0APP',
  action: 'approve',
  now: NOW,
  userIsApprover: true,
  fourEyes: true,
  ...o,
});
const ctx = (o: Partial<GateClickContext> = {}): GateClickContext => ({
  approvals: [],
  rollbackPending: false,
  observeSeconds: 300,
  ...o,
});
/** Verified Y, nothing shifted yet: the first step may be approved. */
const run = buildRun({ phase: 'awaiting_gate', requestedBy: 'U0REQ', xFingerprinted: true });
/** Y has held 25 % for 10 minutes with a passing comparison: the next step may be approved. */
const observed = (o: Partial<Run> = {}) =>
  buildRun({
    phase: 'awaiting_gate',
    requestedBy: 'U0REQ',
    xFingerprinted: true,
    appliedWeight: 25,
    stepIndex: 1,
    stepStartedAt: new Date(NOW.getTime() - 600_000),
    lastVerdict: 'pass',
    ...o,
  });
const up = buildGate({ targetWeight: 50 });

describe('judgeGateClick: who may decide a gate, and when', () => {
  const cases: [string, Parameters<typeof judgeGateClick>, string, string?][] = [
    ['an approver approves the first step', [buildGate(), run, click(), ctx()], 'approved'],
    ['an approver rejects', [buildGate(), run, click({ action: 'reject' }), ctx()], 'rejected'],
    [
      'the starter approves an increase',
      [buildGate(), run, click({ userId: 'U0REQ' }), ctx()],
      'refused',
      'four_eyes',
    ],
    [
      'the starter approves completion',
      [
        buildGate({ kind: 'complete', targetWeight: 100 }),
        observed({ appliedWeight: 100 }),
        click({ userId: 'U0REQ' }),
        ctx(),
      ],
      'refused',
      'four_eyes',
    ],
    [
      'the one who asked for a step approves it (self-approval)',
      [buildGate({ targetWeight: 50, requestedBy: 'U0APP' }), observed(), click({ userId: 'U0APP' }), ctx()],
      'refused',
      'requester',
    ],
    [
      'another approver approves a step someone asked for',
      [
        buildGate({ targetWeight: 50, requestedBy: 'U0APP' }),
        observed(),
        click({ userId: 'U0OTHER' }),
        ctx(),
      ],
      'approved',
    ],
    [
      'the one who asked for a decrease approves it (a partial rollback)',
      [buildGate({ targetWeight: 5, requestedBy: 'U0APP' }), observed(), click({ userId: 'U0APP' }), ctx()],
      'approved',
    ],
    [
      'the starter approves a rollback',
      [buildGate({ kind: 'rollback', targetWeight: 0 }), observed(), click({ userId: 'U0REQ' }), ctx()],
      'approved',
    ],
    [
      'the starter approves a shift back down',
      [buildGate({ targetWeight: 5 }), observed(), click({ userId: 'U0REQ' }), ctx()],
      'approved',
    ],
    [
      'with fourEyes off the starter may approve',
      [buildGate(), run, click({ userId: 'U0REQ', fourEyes: false }), ctx()],
      'approved',
    ],
    [
      'the starter may reject',
      [buildGate(), run, click({ userId: 'U0REQ', action: 'reject' }), ctx()],
      'rejected',
    ],
    [
      'a non-approver',
      [buildGate(), run, click({ userIsApprover: false }), ctx()],
      'refused',
      'not_approver',
    ],
    [
      'a decided gate',
      [buildGate({ status: 'approved', decidedBy: 'U9' }), run, click(), ctx()],
      'refused',
      'not_pending',
    ],
    ['an expired gate', [buildGate({ expiresAt: NOW }), run, click(), ctx()], 'refused', 'expired'],
    [
      'a step of an ended run',
      [buildGate(), buildRun({ phase: 'aborted' }), click(), ctx()],
      'refused',
      'run_ended',
    ],
    [
      'a rollback of an aborted run that left Y traffic',
      [
        buildGate({ kind: 'rollback', targetWeight: 0 }),
        buildRun({ phase: 'aborted', appliedWeight: 5 }),
        click(),
        ctx(),
      ],
      'approved',
    ],
    [
      'a rollback of an aborted run with Y at 0',
      [
        buildGate({ kind: 'rollback', targetWeight: 0 }),
        buildRun({ phase: 'aborted', appliedWeight: 0 }),
        click(),
        ctx(),
      ],
      'refused',
      'run_ended',
    ],
    [
      'a step while a rollback runs',
      [up, observed({ phase: 'rolling_back' }), click(), ctx()],
      'refused',
      'phase',
    ],
    [
      'a step while another step is applied',
      [up, observed({ phase: 'shifting' }), click(), ctx()],
      'refused',
      'phase',
    ],
    [
      'a paused run',
      [buildGate(), buildRun({ phase: 'awaiting_gate', paused: true }), click(), ctx()],
      'refused',
      'paused',
    ],
    [
      'a rollback of a paused run',
      [buildGate({ kind: 'rollback' }), buildRun({ phase: 'observing', paused: true }), click(), ctx()],
      'approved',
    ],
    [
      'an increase while a rollback is open',
      [up, observed(), click(), ctx({ rollbackPending: true })],
      'refused',
      'preconditions',
    ],
    [
      'a decrease while a rollback is open',
      [buildGate({ targetWeight: 5 }), observed(), click(), ctx({ rollbackPending: true })],
      'approved',
    ],
    [
      'an increase before the observation period ended',
      [up, observed({ stepStartedAt: new Date(NOW.getTime() - 60_000) }), click(), ctx()],
      'refused',
      'preconditions',
    ],
    [
      'an increase after a failing comparison at this step',
      [up, observed({ stepFailing: true }), click(), ctx()],
      'refused',
      'preconditions',
    ],
    [
      'an increase with too few requests judged',
      [up, observed({ lastVerdict: 'insufficient_data' }), click(), ctx()],
      'refused',
      'preconditions',
    ],
    ['an increase after a warning', [up, observed({ lastVerdict: 'warn' }), click(), ctx()], 'approved'],
    [
      'an increase after drift',
      [up, observed({ driftDetected: true }), click(), ctx()],
      'refused',
      'preconditions',
    ],
    [
      'an increase with no freeze fingerprint (fails closed)',
      [up, observed({ xFingerprinted: false }), click(), ctx()],
      'refused',
      'preconditions',
    ],
    [
      'completion below 100 %',
      [buildGate({ kind: 'complete', targetWeight: 100 }), observed({ appliedWeight: 70 }), click(), ctx()],
      'refused',
      'preconditions',
    ],
    [
      'completion at a confirmed 100 %',
      [buildGate({ kind: 'complete', targetWeight: 100 }), observed({ appliedWeight: 100 }), click(), ctx()],
      'approved',
    ],
    [
      'the same approver twice',
      [buildGate({ requiredApprovals: 2 }), run, click(), ctx({ approvals: ['U0APP'] })],
      'refused',
      'already_approved',
    ],
    ['the first of two approvals', [buildGate({ requiredApprovals: 2 }), run, click(), ctx()], 'recorded'],
    [
      'the second of two approvals',
      [buildGate({ requiredApprovals: 2 }), run, click(), ctx({ approvals: ['U0B'] })],
      'approved',
    ],
    [
      'a rollback needs one approval',
      [buildGate({ kind: 'rollback', requiredApprovals: 2 }), run, click(), ctx()],
      'approved',
    ],
  ];
  it.each(cases)('%s', (_name, args, outcome, code) => {
    const j = judgeGateClick(...args);
    expect(j.outcome).toBe(outcome);
    if (j.outcome === 'reason_needed') throw new Error('no reason is required in these cases');
    expect(j.event.actor).toBe(args[2].userId);
    if (code) expect(j.event.details).toMatchObject({ code });
    if (j.outcome === 'refused') expect(j.reason.length).toBeGreaterThan(10);
  });

  it('names every reason an increase is blocked', () => {
    const j = judgeGateClick(
      up,
      observed({ stepFailing: true, driftDetected: true, stepStartedAt: new Date(NOW.getTime() - 1000) }),
      click(),
      ctx({ rollbackPending: true }),
    );
    expect(j.outcome).toBe('refused');
    if (j.outcome !== 'refused') return;
    expect(j.reason).toContain('rollback approval is open');
    expect(j.reason).toContain('changed during the write freeze');
    expect(j.reason).toContain('observation period');
    expect(j.reason).toContain('comparison failed');
  });

  describe('approvals.reasonRequired', () => {
    const required = ctx({ reasonRequired: ['reject', 'rollback'] });
    const rollback = buildGate({ kind: 'rollback', targetWeight: 0 });
    const reason = { text: 'Y answers 502 on /orders', ticket: 'OPS-42' };

    it('a reject or a rollback approval without a reason records nothing and asks for one', () => {
      expect(judgeGateClick(up, observed(), click({ action: 'reject' }), required)).toEqual({
        outcome: 'reason_needed',
        action: 'reject',
      });
      expect(judgeGateClick(rollback, run, click(), required)).toEqual({
        outcome: 'reason_needed',
        action: 'rollback',
      });
      // Only the named decisions: a rollback's reject needs `reject`, an increase's approval nothing.
      expect(judgeGateClick(rollback, run, click(), ctx({ reasonRequired: ['reject'] })).outcome).toBe(
        'approved',
      );
      expect(judgeGateClick(buildGate(), run, click(), required).outcome).toBe('approved');
    });

    it('with the reason, the decision is taken and the reason and ticket are in its audit event', () => {
      const j = judgeGateClick(rollback, run, click({ reason }), required);
      expect(j.outcome).toBe('approved');
      if (j.outcome !== 'approved') return;
      expect(j.event.details).toMatchObject({ reason: reason.text, ticket: 'OPS-42' });
      const r = judgeGateClick(
        up,
        observed(),
        click({ action: 'reject', reason: { text: 'no', ticket: null } }),
        required,
      );
      expect(r.outcome === 'rejected' && r.event.details).toMatchObject({ reason: 'no' });
      expect(r.outcome === 'rejected' && r.event.details).not.toHaveProperty('ticket');
    });

    it('every refusal comes before the modal: a non-approver, a decided or expired gate are refused at once', () => {
      const reject = click({ action: 'reject' });
      expect(judgeGateClick(up, observed(), { ...reject, userIsApprover: false }, required).outcome).toBe(
        'refused',
      );
      expect(judgeGateClick(buildGate({ status: 'approved' }), run, reject, required).outcome).toBe(
        'refused',
      );
      expect(
        judgeGateClick(buildGate({ expiresAt: new Date(NOW.getTime() - 1) }), run, reject, required).outcome,
      ).toBe('refused');
    });
  });
});
