import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { parsePrometheusText } from '../kong/parse-prometheus-text.js';
import { withTimeout } from '../with-timeout.js';
import { type ClusterSnapshot, type NodeSnapshot, nodeSnapshotFrom, shortHash } from './cluster-snapshot.js';
import { windowBetween } from './cluster-window.js';
import { describeEndpoint, httpGetText } from './http-get-text.js';
import type { MetricsObservation, MetricsSource, MetricsSourceState } from './metrics-source.js';
import { sendsAdminToken } from './sends-admin-token.js';
import { settleAll } from './settle-all.js';

export interface KongClusterTarget {
  /** One `/metrics` URL per Kong node; the window sums them. A URL must reach one node, not a balancer. */
  metricsUrls: string[];
  /** e.g. `{ 'Kong-Admin-Token': … }` when scraping the Admin API with RBAC. */
  headers?: Record<string, string>;
  /** When set, `headers` go only to metrics URLs under this Admin API URL (docs/contract.md#clarifications). */
  adminUrl?: string;
}

export interface KongMetricsSourceOptions {
  x: KongClusterTarget;
  y: KongClusterTarget;
  /**
   * Per cluster scrape, all nodes at once (default 10 s): a node that has not answered by then is
   * skipped for this interval, so 50 slow nodes cost one timeout, not fifty.
   */
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  logger?: Logger;
  now?: () => Date;
}

export interface KongMetricsSource extends MetricsSource {
  readonly kind: 'kong';
  /** Scrapes every node of one cluster into a compact snapshot. */
  scrape(cluster: 'x' | 'y', signal?: AbortSignal): Promise<ClusterSnapshot>;
}

/**
 * Scrapes both clusters' Kong Prometheus endpoints and makes windows from counter deltas between
 * consecutive scrapes. Every node of a cluster is scraped at once under one deadline. A node that
 * cannot be scraped is left out and named in `unreachable`; a cluster where no node answered gives
 * an empty snapshot (the comparison then says `insufficient_data` and names the nodes), never zero
 * traffic read as healthy.
 */
export function createKongMetricsSource(options: KongMetricsSourceOptions): KongMetricsSource {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function scrapeNode(
    url: string,
    target: KongClusterTarget,
    signal?: AbortSignal,
  ): Promise<NodeSnapshot> {
    const sendHeaders = target.adminUrl === undefined || sendsAdminToken(target.adminUrl, url);
    const response = await httpGetText(url, {
      ...(sendHeaders && target.headers ? { headers: target.headers } : {}),
      timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      signal,
      logger: options.logger,
    });
    if (response.statusCode !== 200) {
      const status = response.statusCode;
      throw new AppError(
        status >= 500 ? 'E_METRICS_UNREACHABLE' : 'E_METRICS_BAD_RESPONSE',
        `The metrics endpoint ${describeEndpoint(url)} answered HTTP ${status}. ${
          status === 401 || status === 403
            ? 'Check the admin token for it in the config.'
            : status === 404
              ? "Check metricsUrls and that Kong's prometheus plugin is enabled."
              : 'It will be tried again next interval.'
        }`,
        { retryable: status >= 500, details: { url: describeEndpoint(url), status } },
      );
    }
    const parsed = parsePrometheusText(response.body);
    if (parsed.badLines.length > 0) {
      options.logger?.warn(
        { url: describeEndpoint(url), badLines: parsed.badLines.slice(0, 5) },
        'skipped malformed metric lines',
      );
    }
    return nodeSnapshotFrom(parsed);
  }

  async function scrape(cluster: 'x' | 'y', signal?: AbortSignal): Promise<ClusterSnapshot> {
    const target = options[cluster];
    if (target.metricsUrls.length === 0) {
      throw new AppError(
        'E_CONFIG_INVALID',
        `No metrics URL is configured for cluster ${cluster.toUpperCase()}.`,
      );
    }
    // One deadline for the whole cluster: retries happen inside it, never after it.
    const { signal: deadline, deadline: timer } = withTimeout(timeoutMs, signal);
    // Why a node failed is judged when it failed: a quick HTTP 500 stays an HTTP 500 even if another
    // node later ran into the deadline.
    const results = await Promise.allSettled(
      target.metricsUrls.map((url) =>
        scrapeNode(url, target, deadline).catch((error: unknown) => {
          throw new NodeFailure(whyFailed(error, timer.aborted), error);
        }),
      ),
    );
    if (signal?.aborted) {
      throw new AppError(
        'E_METRICS_UNREACHABLE',
        `The metrics scrape of ${cluster.toUpperCase()} was cancelled.`,
        {
          retryable: true,
          cause: signal.reason,
        },
      );
    }
    const snapshot: ClusterSnapshot = {
      v: 2,
      at: now().toISOString(),
      nodes: {},
      total: target.metricsUrls.length,
      unreachable: [],
    };
    results.forEach((result, i) => {
      const url = target.metricsUrls[i] ?? '';
      if (result.status === 'fulfilled') snapshot.nodes[shortHash(url)] = result.value;
      else {
        const failure = result.reason as NodeFailure;
        snapshot.unreachable.push(`${describeEndpoint(url)} (${failure.why})`);
        options.logger?.warn(
          { cluster, url: describeEndpoint(url), err: String(failure.cause) },
          'metrics node skipped',
        );
      }
    });
    return snapshot;
  }

  return {
    kind: 'kong',
    scrape,
    async observe(previous: MetricsSourceState | null, signal?: AbortSignal): Promise<MetricsObservation> {
      const [x, y] = await settleAll([scrape('x', signal), scrape('y', signal)]);
      const state: MetricsSourceState = { kind: 'kong', x, y };
      if (previous?.kind !== 'kong') return { windows: null, state };
      return {
        windows: {
          x: windowBetween(previous.x, x),
          y: windowBetween(previous.y, y),
          start: new Date(Math.min(Date.parse(previous.x.at), Date.parse(previous.y.at))),
          end: new Date(Math.max(Date.parse(x.at), Date.parse(y.at))),
        },
        state,
      };
    },
    describe() {
      const count = (t: KongClusterTarget) =>
        `${t.metricsUrls.length} node${t.metricsUrls.length === 1 ? '' : 's'}`;
      return `kong: scrape /metrics of X (${count(options.x)}) and Y (${count(options.y)}), compare counter deltas`;
    },
  };
}

/** A few words on why a node was not read, for the live message (no URL, no secret). */
function whyFailed(error: unknown, timedOut: boolean): string {
  if (timedOut) return 'timed out';
  if (error instanceof AppError) {
    const status = error.details.status;
    if (status === 401 || status === 403) return `HTTP ${status}: check its token`;
    if (status === 404) return 'HTTP 404: check the URL and that the prometheus plugin is enabled';
    if (typeof status === 'number') return `HTTP ${status}`;
    if (error.code === 'E_METRICS_BAD_RESPONSE') return 'not a Prometheus exposition';
    if (/timed out/.test(error.message)) return 'timed out';
  }
  return 'unreachable';
}

class NodeFailure extends Error {
  constructor(
    readonly why: string,
    override readonly cause: unknown,
  ) {
    super(why);
  }
}
