import { describe, expect, it } from 'vitest';
import { type GateClick, judgeGateClick } from '../../src/domain/judge-gate-click.js';
import { approvalsLine, gateBlocks } from '../../src/slack/blocks/gate-blocks.js';
import { buildGate, buildRun } from '../support/build-run.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const run = buildRun({ phase: 'awaiting_gate', requestedBy: 'U0REQ', xFingerprinted: true });
const gate = buildGate({
  targetWeight: 5,
  requiredApprovals: 2,
  expiresAt: new Date('2026-01-01T01:00:00Z'),
});
const click = (userId: string, groups: string[] = []): GateClick => ({
  userId,
  action: 'approve',
  now: NOW,
  userIsApprover: true,
  fourEyes: true,
  groups,
});
const ctx = (approvals: string[], approverGroups: Record<string, string[]> = {}) => ({
  approvals,
  rollbackPending: false,
  observeSeconds: 0,
  requiredGroups: ['S0SRE'],
  approverGroups,
});

describe('approvals.requiredGroups', () => {
  it('the quorum is not enough until a member of each required group approved', () => {
    const second = judgeGateClick(gate, run, click('U0B'), ctx(['U0A']));
    expect(second).toMatchObject({ outcome: 'recorded', approvals: 2, missingGroups: ['S0SRE'] });
    expect(judgeGateClick(gate, run, click('U0SRE', ['S0SRE']), ctx(['U0A', 'U0B'])).outcome).toBe(
      'approved',
    );
    expect(judgeGateClick(gate, run, click('U0B'), ctx(['U0SRE'], { U0SRE: ['S0SRE'] })).outcome).toBe(
      'approved',
    );
    expect(judgeGateClick(gate, run, click('U0SRE', ['S0SRE']), ctx([])).outcome).toBe('recorded');
  });

  it('a rollback needs no group', () => {
    const rollback = buildGate({
      kind: 'rollback',
      targetWeight: 0,
      expiresAt: new Date('2026-01-01T01:00:00Z'),
    });
    expect(judgeGateClick(rollback, { ...run, appliedWeight: 5 }, click('U0B'), ctx([])).outcome).toBe(
      'approved',
    );
  });
});

describe('the gate message shows the quorum', () => {
  it('who approved so far and how many more are needed', () => {
    expect(approvalsLine(gate, [])).toBe(
      ':busts_in_silhouette: Approvals: 0 of 2; 2 more needed, each from a different approver.',
    );
    expect(approvalsLine(gate, ['U0A'])).toBe(
      ':busts_in_silhouette: Approvals: 1 of 2 (<@U0A>); 1 more needed, each from a different approver.',
    );
    expect(approvalsLine({ ...gate, requiredApprovals: 1 }, [])).toBe('');
    expect(JSON.stringify(gateBlocks(gate, run, { reason: 'Y is verified', approvedBy: ['U0A'] }))).toContain(
      'Approvals: 1 of 2 (<@U0A>)',
    );
  });
});
