import { describe, expect, it } from 'vitest';
import { type GateClick, judgeGateClick } from '../../src/domain/judge-gate-click.js';
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
const run = buildRun({ phase: 'awaiting_gate', requestedBy: 'U0REQ' });

describe('judgeGateClick', () => {
  const cases: [string, Parameters<typeof judgeGateClick>, string, string?][] = [
    ['approver approves', [buildGate(), run, click()], 'approved'],
    ['approver rejects', [buildGate(), run, click({ action: 'reject' })], 'rejected'],
    [
      'requester approves a shift (four eyes)',
      [buildGate(), run, click({ userId: 'U0REQ' })],
      'refused',
      'four_eyes',
    ],
    [
      'requester approves completion (four eyes)',
      [buildGate({ kind: 'complete' }), run, click({ userId: 'U0REQ' })],
      'refused',
      'four_eyes',
    ],
    [
      'requester approves a rollback',
      [buildGate({ kind: 'rollback' }), run, click({ userId: 'U0REQ' })],
      'approved',
    ],
    [
      'requester approves a shift back down',
      [
        buildGate({ targetWeight: 5 }),
        buildRun({ phase: 'awaiting_gate', appliedWeight: 25 }),
        click({ userId: 'U0REQ' }),
      ],
      'approved',
    ],
    [
      'requester approves with fourEyes off',
      [buildGate(), run, click({ userId: 'U0REQ', fourEyes: false })],
      'approved',
    ],
    ['requester may reject', [buildGate(), run, click({ userId: 'U0REQ', action: 'reject' })], 'rejected'],
    ['non-approver', [buildGate(), run, click({ userIsApprover: false })], 'refused', 'not_approver'],
    [
      'decided gate',
      [buildGate({ status: 'approved', decidedBy: 'U9' }), run, click()],
      'refused',
      'not_pending',
    ],
    ['expired gate', [buildGate({ expiresAt: NOW }), run, click()], 'refused', 'expired'],
    ['ended run', [buildGate(), buildRun({ phase: 'aborted' }), click()], 'refused', 'run_ended'],
    [
      'paused run',
      [buildGate(), buildRun({ phase: 'awaiting_gate', paused: true }), click()],
      'refused',
      'paused',
    ],
    [
      'paused run, rollback',
      [buildGate({ kind: 'rollback' }), buildRun({ phase: 'observing', paused: true }), click()],
      'approved',
    ],
  ];
  it.each(cases)('%s', (_name, args, outcome, code) => {
    const j = judgeGateClick(...args);
    expect(j.outcome).toBe(outcome);
    expect(j.event.actor).toBe(args[2].userId);
    if (code) expect(j.event.details).toMatchObject({ code });
    if (j.outcome === 'refused') expect(j.reason.length).toBeGreaterThan(10);
  });
});
