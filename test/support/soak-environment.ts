import { Writable } from 'node:stream';
import pino from 'pino';
import type { Weights } from '../../src/domain/weights.js';
import { type LoadGenerator, type LoadStats, startLoadGenerator } from '../../src/sandbox/load-generator.js';
import { startWeightedBalancer, type WeightedBalancer } from '../../src/sandbox/weighted-balancer.js';
import { type KongPair, ROUTER_SECRET, startKongPair } from './kong-pair.js';

/**
 * One environment of the soak: its own pair of simulated Kong nodes (X seeded, Y empty until the
 * bot's real restore fills it), the sandbox's weighted balancer driven by the webhook router, and a
 * steady load generator through that balancer. The balancer's own log is the record of every weight
 * it accepted, so duplicates or a wrong order are visible.
 */

export interface SoakEnvironmentOptions {
  /** Requests per second through the balancer. */
  ratePerSecond: number;
  /**
   * Requests per second sent straight to X. At 100 % Y the balancer sends X nothing, and the
   * comparison then has no X window, so the completion gate would never be offered; a trickle of
   * X's own traffic (as health checks or pinned clients give a real cluster) keeps it measurable.
   * 0 sends none (for when the comparison judges Y at 100 % against X's last window with traffic).
   */
  xDirectPerSecond: number;
  intervalSeconds: number;
  observeSeconds: number;
  minRequests: number;
  steps: number[];
  /** Added to both nodes' responses, so latency rows compare something steadier than the event loop. */
  upstreamMs?: number;
}

export interface SoakEnvironment {
  pair: KongPair;
  balancer: WeightedBalancer;
  /** Every weight the balancer accepted, in order (from its `balancer: weights applied` log). */
  appliedWeights(): Weights[];
  /** The `environments.<name>` config for this environment. */
  config: Record<string, unknown>;
  startLoad(): void;
  loadStats(): { balanced: LoadStats | null; xDirect: LoadStats | null };
  close(): Promise<void>;
}

export async function startSoakEnvironment(o: SoakEnvironmentOptions): Promise<SoakEnvironment> {
  const pair = await startKongPair({ xVersion: '3.4.2' });
  const applied: Weights[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        const entry = JSON.parse(line) as { msg?: string; weights?: Weights };
        if (entry.msg === 'balancer: weights applied' && entry.weights) applied.push(entry.weights);
      }
      done();
    },
  });
  let balancer: WeightedBalancer;
  try {
    balancer = await startWeightedBalancer({
      xUrl: pair.x.proxyUrl,
      yUrl: pair.y.proxyUrl,
      secret: ROUTER_SECRET,
      log: pino({ level: 'info' }, sink),
    });
  } catch (error) {
    await pair.close();
    throw error;
  }
  if (o.upstreamMs) {
    pair.x.setFaults({ addedLatencyMs: o.upstreamMs });
    pair.y.setFaults({ addedLatencyMs: o.upstreamMs });
  }
  const path = pair.seed.fixtures.open?.path ?? '/';
  let balanced: LoadGenerator | null = null;
  let xDirect: LoadGenerator | null = null;
  const config = pair.environment({
    // One pg_dump/pg_restore worker each: ten environments at once stay well inside the shared
    // PostgreSQL's connection limit.
    backup: { dir: pair.backupDir, jobs: 1 },
    deploy: { commands: [['echo', 'kong migrations up: ok (soak)']], timeoutSeconds: 60 },
    traffic: { router: 'webhook', webhook: { url: balancer.controlUrl, secret: ROUTER_SECRET } },
    plan: { steps: o.steps, observeSeconds: o.observeSeconds },
    metrics: {
      source: 'kong',
      intervalSeconds: o.intervalSeconds,
      // The soak checks that concurrent runs stay correct, not detection: latency on a busy two-core
      // machine is noise, so only a gross difference may fail a window (which would stop the run).
      thresholds: { minRequests: o.minRequests, maxP95LatencyRatio: 20, maxP99LatencyRatio: 20 },
    },
  });
  return {
    pair,
    balancer,
    appliedWeights: () => [...applied],
    config,
    startLoad() {
      balanced ??= startLoadGenerator({
        url: balancer.url,
        ratePerSecond: o.ratePerSecond,
        paths: [{ path }],
      });
      if (o.xDirectPerSecond <= 0) return;
      xDirect ??= startLoadGenerator({
        url: pair.x.proxyUrl,
        ratePerSecond: o.xDirectPerSecond,
        paths: [{ path }],
      });
    },
    loadStats: () => ({ balanced: balanced?.stats() ?? null, xDirect: xDirect?.stats() ?? null }),
    async close() {
      await Promise.allSettled([balanced?.stop(), xDirect?.stop()]);
      await balancer.close().catch(() => undefined);
      await pair.close();
    },
  };
}
