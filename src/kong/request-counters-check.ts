import type { PreflightCheck } from './preflight-checks.js';

/** 3.x and 2.8 names of the request counter the comparison reads (kong.md §3.3). */
const COUNTERS = /^(kong_http_requests_total|kong_http_status)\{/m;

/**
 * X's `/metrics` must carry request counters for the X/Y comparison to have numbers. Kong creates a
 * series on the first request it counts, so an X without traffic also has none: the warning says so.
 */
export function requestCountersCheck(
  url: string,
  scraped: { text: string } | { error: string },
): PreflightCheck {
  const id = 'request-counters';
  const title = "X's metrics carry request counters";
  if ('error' in scraped) {
    return {
      id,
      title,
      status: 'warn',
      detail: `X's metrics at ${url} could not be read: ${scraped.error}.`,
      remedy:
        "Check the cluster's metricsUrl and that the Status API (or Admin API) serves /metrics to the bot.",
    };
  }
  if (COUNTERS.test(scraped.text)) {
    return { id, title, status: 'pass', detail: `X's metrics at ${url} carry request counters.` };
  }
  return {
    id,
    title,
    status: 'warn',
    detail: `X's metrics at ${url} carry no request counter (neither kong_http_requests_total nor 2.8's kong_http_status): either X served no traffic since it started, or its prometheus plugin does not export them.`,
    remedy:
      'Enable the prometheus plugin with status_code_metrics, latency_metrics and bandwidth_metrics set to true (3.x), and check that X receives traffic.',
  };
}

/** Reads one metrics URL for the check, bounded by `timeoutMs`; never throws. */
export async function scrapeForCheck(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ text: string } | { error: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    const text = await res.text();
    return res.ok ? { text } : { error: `HTTP ${res.status}` };
  } catch (err) {
    if (signal?.aborted) throw err;
    return {
      error: timeout.aborted ? `no answer within ${timeoutMs} ms` : String((err as Error).message ?? err),
    };
  }
}
