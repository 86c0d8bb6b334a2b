import { type CardFacts, cardFactsFrom } from '../slack/blocks/run-card-blocks.js';
import type { EngineDeps } from './engine-deps.js';

/** Enough recent events to find the newest comparison and the request of a pending rollback. */
const RECENT_EVENTS = 30;

/**
 * What the card needs besides the run row. A failed read leaves the facts out: the card still shows
 * the phase, and the next update shows them.
 */
export async function loadCardFacts(runId: string, deps: Pick<EngineDeps, 'store'>): Promise<CardFacts> {
  try {
    const [pending, recent] = await Promise.all([
      deps.store.gates.pendingGates(runId),
      deps.store.runs.getRunWithRecentEvents(runId, RECENT_EVENTS),
    ]);
    return cardFactsFrom(pending, recent?.events ?? []);
  } catch {
    return {};
  }
}
