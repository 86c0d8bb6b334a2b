import { describe, expect, it } from 'vitest';
import { closeGateMessage } from '../../src/slack/close-gate-message.js';
import type { Notifier } from '../../src/slack/notifier.js';
import { buildGate, buildRun } from '../support/build-run.js';

type Update = Parameters<Notifier['update']>[0];

function recorder(fail = false) {
  const updates: Update[] = [];
  return {
    updates,
    notifier: {
      async update(message: Update) {
        if (fail) throw new Error('slack is down');
        updates.push(message);
      },
    },
  };
}

describe('closeGateMessage', () => {
  it("updates the gate's own message in the run's channel, without buttons, with the note", async () => {
    const { updates, notifier } = recorder();
    const gate = buildGate({ status: 'expired', messageTs: '1700000000.000200' });
    await closeGateMessage(notifier, gate, buildRun({ channel: 'C0OPS' }), 'a newer request replaced it');
    expect(updates).toHaveLength(1);
    const [update] = updates;
    expect(update).toMatchObject({ channel: 'C0OPS', ts: '1700000000.000200' });
    expect(update?.text).toContain('prod-7');
    const json = JSON.stringify(update?.blocks);
    expect(json).not.toContain('"actions"');
    expect(json).toContain('a newer request replaced it');
  });

  it('keeps what the gate showed when it was asked for: a decided gate still says on what grounds', async () => {
    const { updates, notifier } = recorder();
    const gate = buildGate({
      kind: 'rollback',
      targetWeight: 0,
      status: 'approved',
      decidedBy: 'U0SAM',
      decidedAt: new Date('2026-01-01T00:10:00Z'),
      comparison: ['*Failing:*\n• 5xx on Y 4.0 % vs X 0.2 %'],
    });
    await closeGateMessage(notifier, gate, buildRun(), undefined, {
      reason: 'Y is worse than X: 5xx ratio on Y 4.0 %',
      chart: { fileId: 'F0CHART1', altText: 'Chart of prod-7' },
    });
    const json = JSON.stringify(updates[0]?.blocks);
    expect(json).toContain('5xx on Y 4.0 % vs X 0.2 %');
    expect(json).toContain('Approved by <@U0SAM>');
    // The reason sentence it was asked with stays, ending with one full stop.
    expect(json).toContain('"Y is worse than X: 5xx ratio on Y 4.0 %."');
    // And its chart.
    expect(json).toContain('"slack_file":{"id":"F0CHART1"}');
    expect(json).not.toContain('"actions"');
  });

  it('does nothing for a gate whose message was never posted', async () => {
    const { updates, notifier } = recorder();
    await closeGateMessage(notifier, buildGate({ messageTs: null }), buildRun());
    expect(updates).toEqual([]);
  });

  it("leaves Slack's failure to the caller", async () => {
    const { notifier } = recorder(true);
    await expect(closeGateMessage(notifier, buildGate({ messageTs: '1.2' }), buildRun())).rejects.toThrow(
      'slack is down',
    );
  });
});
