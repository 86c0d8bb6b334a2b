import { z } from 'zod';
import { clusterSnapshotSchema } from './cluster-snapshot.js';
import type { WindowStats } from './window-stats.js';

/** Both clusters over the same window. */
export interface MetricsWindows {
  x: WindowStats;
  y: WindowStats;
  start: Date;
  end: Date;
}

/**
 * What a source needs to remember between two calls. The compare job stores it (it is plain JSON)
 * and hands it back next interval, so a restarted worker keeps its baseline instead of losing a
 * window. Kong: the previous scrape of each cluster (counters only). Prometheus: when the previous
 * window ended, so consecutive windows neither overlap nor leave gaps.
 */
export const metricsSourceStateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kong'), x: clusterSnapshotSchema, y: clusterSnapshotSchema }),
  z.object({ kind: z.literal('prometheus'), at: z.iso.datetime() }),
]);
export type MetricsSourceState = z.infer<typeof metricsSourceStateSchema>;

export interface MetricsObservation {
  /** Null when there is no baseline yet (the first Kong scrape only sets one). */
  windows: MetricsWindows | null;
  /** Persist this and pass it to the next `observe`. */
  state: MetricsSourceState;
}

/**
 * Where X-vs-Y numbers come from. The compare job calls `observe` once per interval with the state
 * it stored last time (or null). A state of the other kind (the config changed) counts as null.
 */
export interface MetricsSource {
  readonly kind: 'kong' | 'prometheus';
  observe(previous: MetricsSourceState | null, signal?: AbortSignal): Promise<MetricsObservation>;
  /** One line for plans and dry runs. */
  describe(): string;
  /** Problems to say at start-up (e.g. a window too short for Prometheus' scrape interval); [] when fine. */
  check?(signal?: AbortSignal): Promise<string[]>;
}
