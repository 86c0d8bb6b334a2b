import { tryParseKongVersion } from './compare-versions.js';
import type { KongPlugin } from './kong-schemas.js';
import type { PreflightCheck } from './preflight-checks.js';

/** Since 3.0 these default to false: a plugin row that does not set them exports no request metrics. */
const REQUEST_METRIC_FLAGS = ['status_code_metrics', 'latency_metrics', 'bandwidth_metrics'] as const;

/**
 * The bot compares X and Y by the prometheus plugin's request metrics. A row written by 2.8 (or a 3.x
 * row with the flags off) makes a 3.x node export none: Y then shows 0 requests and every comparison
 * is `insufficient_data`. Names each plugin and the config to change (kong.md §3.1, §5.4 #10).
 */
export function prometheusPluginCheck(
  plugins: readonly KongPlugin[],
  xVersion: string,
  yVersion: string,
): PreflightCheck {
  const id = 'prometheus-request-metrics';
  const title = 'Request metrics for the X/Y comparison';
  const prometheus = plugins.filter((p) => p.name === 'prometheus' && p.enabled !== false);
  if (prometheus.length === 0) {
    return {
      id,
      title,
      status: 'warn',
      detail:
        'No enabled prometheus plugin on X: since 3.2 Kong exports no request counters without one, so the live comparison has no numbers unless the metrics come from elsewhere.',
      remedy:
        'Enable the prometheus plugin (globally) on X before the run, with status_code_metrics, latency_metrics and bandwidth_metrics set to true; the restore carries it to Y.',
    };
  }
  const y3 = (tryParseKongVersion(yVersion)?.parts[0] ?? 3) >= 3;
  const x3 = (tryParseKongVersion(xVersion)?.parts[0] ?? 3) >= 3;
  const lacking = prometheus
    .map((p) => ({ p, off: REQUEST_METRIC_FLAGS.filter((f) => p.config?.[f] !== true) }))
    .filter((e) => e.off.length > 0);
  if (!y3 || lacking.length === 0) {
    return {
      id,
      title,
      status: 'pass',
      detail: `${prometheus.length} prometheus plugin(s) export request metrics on Y.`,
    };
  }
  const scope = (p: KongPlugin) =>
    p.service
      ? `on service ${p.service.id}`
      : p.route
        ? `on route ${p.route.id}`
        : p.consumer
          ? `on consumer ${p.consumer.id}`
          : 'global';
  return {
    id,
    title,
    status: 'warn',
    detail: `${lacking.length} prometheus plugin(s) do not turn on request metrics, which default to false since 3.0: ${x3 ? 'X and ' : ''}Y (${yVersion}) will export no request counters or latency for them, so Y shows 0 requests and every comparison is insufficient data.`,
    items: lacking.map(
      (e) => `prometheus ${e.p.id} (${scope(e.p)}): ${e.off.map((f) => `config.${f}`).join(', ')} not true`,
    ),
    remedy: `Set them on ${x3 ? 'X before the run (the restore copies them)' : 'Y right after the restore, e.g. as a deploy command'}: \`PATCH /plugins/<id>\` with \`{"config": {"status_code_metrics": true, "latency_metrics": true, "bandwidth_metrics": true}}\`.`,
  };
}
