import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/domain/domain-event.js';
import type { Phase } from '../../src/domain/run.js';
import { wouldOfferNextStep } from '../../src/domain/would-offer-next-step.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe('wouldOfferNextStep (when drift is worth checking)', () => {
  it.each<[Phase, boolean, Verdict, number, boolean]>([
    ['observing', false, 'pass', 600, true],
    ['observing', false, 'warn', 600, true],
    ['observing', false, 'pass', 599, false],
    ['observing', false, 'fail', 600, false],
    ['observing', false, 'insufficient_data', 600, false],
    ['observing', true, 'pass', 600, false],
    ['awaiting_gate', false, 'pass', 600, false],
    ['shifting', false, 'pass', 600, false],
  ])('%s, paused %s, %s after %i s → %s', (phase, paused, verdict, seconds, expected) => {
    expect(wouldOfferNextStep({ phase, paused, phaseStartedAt: T0 }, verdict, at(seconds), 600)).toBe(
      expected,
    );
  });
});
