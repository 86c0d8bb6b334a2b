import type { DomainEvent } from './domain-event.js';
import type { Effect } from './effects.js';
import type { Phase } from './run.js';
import type { NewRunEvent } from './run-event.js';

type ComparisonEvent = Extract<DomainEvent, { type: 'comparison_made' }>;

/** Event kinds the compare job reads back to know what the thread already shows. */
export const DATA_PLANES_NOT_READY = 'dataplanes.not_ready';
export const DATA_PLANES_READY = 'dataplanes.ready';

function sameLines(
  a: readonly string[] | null | undefined,
  b: readonly string[] | null | undefined,
): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((line, i) => line === y[i]);
}

/**
 * Hybrid mode (docs/contract.md#kong-as-it-really-runs), where a gate would otherwise be offered. Not ready: `block` (no gate; the
 * thread names each data plane when the list changed). Ready again after a report: `before`, a line
 * and an audit event to put ahead of the gate. Not hybrid or not checked: nothing.
 */
export function judgeDataPlaneReport(
  event: ComparisonEvent,
  phase: Phase,
): { block: boolean; events: NewRunEvent[]; effects: Effect[] } {
  const problems = event.dataPlanes;
  if (problems === undefined || problems === null) return { block: false, events: [], effects: [] };
  if (problems.length > 0) {
    if (sameLines(problems, event.dataPlanesShown)) return { block: true, events: [], effects: [] };
    return {
      block: true,
      events: [{ actor: 'job:compare', kind: DATA_PLANES_NOT_READY, phase, details: { problems } }],
      effects: [
        {
          type: 'thread',
          text: `:warning: *Y's data planes are not ready*; no traffic increase is offered until they are (rollback stays possible):\n${problems.map((p) => `• ${p}`).join('\n')}`,
        },
      ],
    };
  }
  if ((event.dataPlanesShown ?? []).length === 0) return { block: false, events: [], effects: [] };
  return {
    block: false,
    events: [{ actor: 'job:compare', kind: DATA_PLANES_READY, phase, details: {} }],
    effects: [
      {
        type: 'thread',
        text: ":white_check_mark: Y's data planes are connected, in sync and on the same configuration again.",
      },
    ],
  };
}
