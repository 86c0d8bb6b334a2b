import type { RunEvent } from '../domain/run-event.js';
import type { ChartMark } from './render-chart.js';

/**
 * The run's gates and rollbacks, from its audit events, as marks on the chart's time axis: each gate
 * offered, each rollback asked for, each rollback approved (from then on traffic goes back to X).
 */
export function chartMarksFrom(events: readonly RunEvent[]): ChartMark[] {
  const marks: ChartMark[] = [];
  for (const e of events) {
    const kind = e.details.gateKind ?? e.details.kind;
    if (e.kind === 'gate.requested' && kind === 'rollback') {
      marks.push({ at: e.at, kind: 'rollback_gate', label: 'rollback asked' });
    } else if (e.kind === 'gate.requested' && kind === 'shift') {
      marks.push({ at: e.at, kind: 'gate', label: `${Number(e.details.targetWeight)} % gate` });
    } else if (e.kind === 'gate.requested' && kind === 'complete') {
      marks.push({ at: e.at, kind: 'gate', label: 'completion gate' });
    } else if (e.kind === 'gate.approved' && kind === 'rollback') {
      marks.push({ at: e.at, kind: 'rollback', label: 'rollback approved' });
    }
  }
  return marks.sort((a, b) => a.at.getTime() - b.at.getTime());
}
