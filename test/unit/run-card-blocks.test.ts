import { describe, expect, it } from 'vitest';
import { describeEventKind } from '../../src/domain/describe-event.js';
import { duringPhase, splitBar } from '../../src/domain/describe-run.js';
import type { Run } from '../../src/domain/run.js';
import type { RunEvent } from '../../src/domain/run-event.js';
import { type CardFacts, cardFactsFrom, runCardBlocks } from '../../src/slack/blocks/run-card-blocks.js';
import { buildGate, buildRun } from '../support/build-run.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const NOW = at(3600);

/** The card's text as a reader sees it (every mrkdwn and plain_text joined). */
function cardText(run: Run, facts?: CardFacts): string {
  return JSON.stringify(runCardBlocks(run, NOW, facts))
    .match(/"text":"(?:[^"\\]|\\.)*"/g)
    ?.map((t) => JSON.parse(`{${t}}`).text as string)
    .join('\n') as string;
}

const failing = ['5xx on Y 4.0 % vs X 0.2 % (p < 0.001)'];
const cases: Array<[string, Partial<Run>, CardFacts?]> = [
  ['preflight, before X was read', { phase: 'preflight', fromVersion: null, phaseStartedAt: at(1) }],
  ['backup', { phase: 'backup', fromVersion: '3.4.2', phaseStartedAt: at(60) }],
  ['restore', { phase: 'restore', fromVersion: '3.4.2', phaseStartedAt: at(120) }],
  ['deploy', { phase: 'deploy', fromVersion: '3.4.2', phaseStartedAt: at(180) }],
  ['verify', { phase: 'verify', fromVersion: '3.4.2', phaseStartedAt: at(240) }],
  ['awaiting the first step', { phase: 'awaiting_gate', fromVersion: '3.4.2', phaseStartedAt: at(300) }],
  [
    'observing at 25 %',
    { phase: 'observing', fromVersion: '3.4.2', appliedWeight: 25, stepIndex: 1, phaseStartedAt: at(900) },
  ],
  [
    'observing while Y fails the comparison',
    { phase: 'observing', fromVersion: '3.4.2', appliedWeight: 25, stepIndex: 1, phaseStartedAt: at(900) },
    { comparison: { verdict: 'fail', failing, at: at(1000) } },
  ],
  [
    'a rollback awaiting approval',
    { phase: 'observing', fromVersion: '3.4.2', appliedWeight: 25, stepIndex: 1, phaseStartedAt: at(900) },
    {
      pendingRollback: { requestedAt: at(1001), reason: `Y is worse than X: ${failing[0]}` },
      comparison: { verdict: 'fail', failing, at: at(1000) },
    },
  ],
  [
    'rolling back',
    { phase: 'rolling_back', fromVersion: '3.4.2', appliedWeight: 25, phaseStartedAt: at(1100) },
  ],
  [
    'rolled back',
    {
      phase: 'rolled_back',
      fromVersion: '3.4.2',
      appliedWeight: 0,
      phaseStartedAt: at(1100),
      finishedAt: at(1105),
    },
  ],
  [
    'failed during the restore',
    {
      phase: 'failed',
      fromVersion: '3.4.2',
      failedPhase: 'restore',
      failureReason: "Y's database is not empty (E_RESTORE_TARGET_NOT_EMPTY)",
      phaseStartedAt: at(130),
      finishedAt: at(130),
    },
  ],
  [
    'aborted with traffic on Y',
    {
      phase: 'aborted',
      fromVersion: '3.4.2',
      appliedWeight: 25,
      stepIndex: 1,
      failedPhase: 'awaiting_gate',
      failureReason: 'aborted by <@U0APP>',
      phaseStartedAt: at(1200),
      finishedAt: at(1200),
    },
  ],
  [
    'completed',
    {
      phase: 'completed',
      fromVersion: '3.4.2',
      appliedWeight: 100,
      stepIndex: 3,
      phaseStartedAt: at(3000),
      finishedAt: at(3010),
    },
  ],
];

describe('run card (Block Kit per phase)', () => {
  it.each(cases)('%s', (_name, overrides, facts) => {
    const run = buildRun(overrides);
    const blocks = runCardBlocks(run, NOW, facts);
    expect(blocks).toMatchSnapshot();
    const text = cardText(run, facts);
    expect(text).not.toMatch(/Next:\* Then/);
    expect(text).not.toMatch(/Then:/);
    expect(text).not.toMatch(/X \?|\? →|→ Y \?/);
    // Times that must keep moving are left to Slack ({ago}); an ended run gives its real duration.
    expect(text).not.toMatch(/· 0 s/);
  });

  it('says what it knows of X before preflight reads it', () => {
    expect(cardText(buildRun({ fromVersion: null }))).toContain('X (read at preflight) → Y 3.9.1');
  });

  it('keeps time moving between updates (Slack renders {ago}), and gives an ended run its duration', () => {
    const active = cardText(buildRun({ phase: 'backup', phaseStartedAt: at(60) }));
    expect(active).toContain(`Backing up X · since <!date^${at(60).getTime() / 1000}^{ago}|`);
    expect(active).toContain(`running since <!date^${T0.getTime() / 1000}^{ago}|`);
    const done = cardText(buildRun({ phase: 'completed', appliedWeight: 100, finishedAt: at(3010) }));
    expect(done).toContain('took 50 min 10 s');
  });

  it('shows a failing comparison, and a pending rollback above everything else that comes next', () => {
    const run = buildRun({ phase: 'observing', appliedWeight: 25, stepIndex: 1 });
    const fail = cardText(run, { comparison: { verdict: 'fail', failing, at: at(1) } });
    expect(fail).toContain(`:x: *Y fails the comparison*: ${failing[0]}`);
    const warned = cardText(run, { comparison: { verdict: 'warn', failing: ['p95 ×1.3'], at: at(1) } });
    expect(warned).toContain(':warning: *Comparison warnings*: p95 ×1.3');
    const vague = cardText(run, { comparison: { verdict: 'warn', failing: [], at: at(1) } });
    expect(vague).not.toContain('Comparison warnings');
    const pending = cardText(run, { pendingRollback: { requestedAt: at(2), reason: 'Y is worse than X' } });
    expect(pending).toContain(':rotating_light: *Rollback awaiting approval*');
    expect(pending).toContain('*Next:* An approver decides on the rollback');
    expect(pending).not.toContain('An approval to send 50 %');
  });

  it('warns that an aborted run left traffic on Y, keeps the freeze, and says how to roll it back', () => {
    const text = cardText(
      buildRun({ phase: 'aborted', appliedWeight: 25, failedPhase: 'observing', finishedAt: at(5) }),
    );
    expect(text).toContain('*Y still serves 25 % of the traffic.*');
    expect(text).toContain('/kong-upgrade rollback prod-7');
    expect(text).toContain('Still frozen');
    expect(text).not.toContain('may resume');
  });

  it('draws the split so that neither the start nor the end looks empty', () => {
    expect(splitBar(0)).toBe('X 100 % ▒▒▒▒▒▒▒▒▒▒ Y 0 %');
    expect(splitBar(20)).toBe('X 80 % ▒▒▒▒▒▒▒▒██ Y 20 %');
    expect(splitBar(100)).toBe('X 0 % ██████████ Y 100 %');
  });

  it('speaks of phases in words', () => {
    expect(duringPhase('awaiting_gate')).toBe('while waiting for an approval');
    expect(duringPhase('restore')).toBe("during the restore into Y's database");
  });
});

describe('cardFactsFrom', () => {
  const ev = (kind: string, s: number, details: Record<string, unknown>): RunEvent => ({
    id: s,
    runId: 'prod-7',
    at: at(s),
    actor: 'job:compare',
    kind,
    phase: 'observing',
    details,
  });

  it('takes the pending rollback with its reason, and the newest comparison that did not pass', () => {
    const gate = buildGate({ kind: 'rollback', targetWeight: 0, requestedAt: at(9) });
    const facts = cardFactsFrom(
      [gate],
      [
        ev('comparison.verdict', 10, { verdict: 'fail', failing }),
        ev('gate.requested', 9, { gateId: gate.id, reason: 'Y is worse than X' }),
        ev('comparison.verdict', 5, { verdict: 'pass', failing: [] }),
      ],
    );
    expect(facts).toEqual({
      pendingRollback: { requestedAt: at(9), reason: 'Y is worse than X' },
      comparison: { verdict: 'fail', failing, at: at(10) },
    });
  });

  it('has nothing to add when the newest comparison passes and no rollback waits', () => {
    const facts = cardFactsFrom(
      [buildGate({ kind: 'shift' })],
      [
        ev('comparison.verdict', 5, { verdict: 'fail', failing }),
        ev('comparison.verdict', 6, { verdict: 'pass' }),
      ],
    );
    expect(facts).toEqual({});
  });
});

describe('describeEventKind', () => {
  it.each([
    ['comparison.verdict', { verdict: 'insufficient_data' }, 'metric comparison: insufficient data'],
    ['job.backup.succeeded', {}, 'backup of X done'],
    ['job.restore.failed', {}, "restore into Y's database failed"],
    ['command.abort.refused', {}, 'abort refused'],
    ['traffic.weight_applied', { weight: 25 }, 'traffic now 25 % on Y'],
    ['gate.approved', {}, 'approved'],
    ['something.new_kind', {}, 'something new kind'],
  ])('%s → %s', (kind, details, label) => {
    expect(describeEventKind(kind, details)).toBe(label);
  });
});
