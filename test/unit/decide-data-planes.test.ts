import { describe, expect, it } from 'vitest';
import { decide } from '../../src/domain/decide.js';
import type { DomainEvent } from '../../src/domain/domain-event.js';
import { buildRun } from '../support/build-run.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const later = new Date(T0.getTime() + 601_000);
const observing = buildRun({
  phase: 'observing',
  appliedWeight: 25,
  stepIndex: 1,
  phaseStartedAt: T0,
  stepStartedAt: T0,
  xFingerprinted: true,
});
const policy = { observeSeconds: 600, intervalSeconds: 60 };
const BAD = 'dp-2 (10.0.0.2): sync_status plugin_set_incompatible';

function passing(dataPlanes?: string[] | null, dataPlanesShown?: string[] | null): DomainEvent {
  return {
    type: 'comparison_made',
    verdict: 'pass',
    failing: [],
    drift: [],
    rollbackPending: false,
    ...(dataPlanes !== undefined ? { dataPlanes } : {}),
    ...(dataPlanesShown !== undefined ? { dataPlanesShown } : {}),
  };
}

function summary(d: ReturnType<typeof decide>) {
  if (!d.ok) throw new Error(d.reason);
  return {
    gates: d.effects.filter((e) => e.type === 'request_gate').map((e) => (e as { kind: string }).kind),
    thread: d.effects.filter((e) => e.type === 'thread').map((e) => (e as { text: string }).text),
    kinds: d.events.map((e) => e.kind),
    phase: d.patch.phase ?? null,
  };
}

describe('decide: hybrid data planes at a gate', () => {
  it.each<[string, DomainEvent, { gates: string[]; threadMatches: RegExp[]; kinds: string[] }]>([
    [
      'not hybrid (no report): the gate as usual',
      passing(),
      { gates: ['shift'], threadMatches: [], kinds: ['comparison.verdict'] },
    ],
    [
      'hybrid and ready, nothing shown before: the gate, no extra line',
      passing([], null),
      { gates: ['shift'], threadMatches: [], kinds: ['comparison.verdict'] },
    ],
    [
      'a DP not ready, first report: no gate, the thread names the DP and its status',
      passing([BAD], null),
      {
        gates: [],
        threadMatches: [
          /data planes are not ready/,
          /dp-2 \(10\.0\.0\.2\): sync_status plugin_set_incompatible/,
        ],
        kinds: ['comparison.verdict', 'dataplanes.not_ready'],
      },
    ],
    [
      'the same problems already shown: no gate, no repeated line',
      passing([BAD], [BAD]),
      { gates: [], threadMatches: [], kinds: ['comparison.verdict'] },
    ],
    [
      'the problems changed: posted again',
      passing(['dp-1 (10.0.0.1): sync_status unknown'], [BAD]),
      { gates: [], threadMatches: [/dp-1/], kinds: ['comparison.verdict', 'dataplanes.not_ready'] },
    ],
    [
      'recovered after a report: a line, then the gate',
      passing([], [BAD]),
      {
        gates: ['shift'],
        threadMatches: [/data planes are connected, in sync/],
        kinds: ['comparison.verdict', 'dataplanes.ready'],
      },
    ],
  ])('%s', (_name, event, expected) => {
    const s = summary(decide(observing, event, later, policy));
    expect(s.gates).toEqual(expected.gates);
    expect(s.thread).toHaveLength(expected.threadMatches.length === 0 ? 0 : 1);
    for (const m of expected.threadMatches) expect(s.thread[0]).toMatch(m);
    expect(s.kinds).toEqual(expected.kinds);
    if (expected.gates.length === 0) expect(s.phase).toBeNull();
  });

  it('a failing comparison still proposes a rollback whatever the data planes say', () => {
    const d = decide(
      observing,
      { ...passing([BAD], null), verdict: 'fail', failing: ['5xx ratio on Y 9 % vs X 0.1 %'] } as DomainEvent,
      later,
      policy,
    );
    expect(summary(d).gates).toEqual(['rollback']);
  });
});
