import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small Prometheus HTTP API (`GET|POST /api/v1/query`) answering in the real response shapes
 * from canned per-second rates, so `increase(…[Ns])` comes out as rate × N. It understands the two
 * query shapes the bot sends and answers anything else with Prometheus's `bad_data` error.
 */
export interface CannedCluster {
  /** Requests per second by status code. */
  requestsPerSecondByCode: Record<string, number>;
  /** Cumulative observations per second by `le` ("+Inf" included), per latency family. */
  requestLatencyPerSecond?: Record<string, number>;
  upstreamLatencyPerSecond?: Record<string, number>;
}

export interface ReceivedQuery {
  method: string;
  query: string;
  time: string | null;
}

export interface FakePrometheus {
  url: string;
  queries: ReceivedQuery[];
  /** Canned data by the selector's inner text, e.g. `cluster="x"`. */
  setCluster(matchers: string, data: CannedCluster): void;
  /** The next `times` queries fail with the given status and Prometheus error body (or a raw body). */
  failNext(status: number, times: number, body?: unknown): void;
  /** Forgets received queries and pending failures. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakePrometheus(): Promise<FakePrometheus> {
  const clusters = new Map<string, CannedCluster>();
  const failures: { status: number; body: unknown }[] = [];
  const queries: ReceivedQuery[] = [];

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let params = url.searchParams;
    if (req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      params = new URLSearchParams(body);
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.pathname !== '/api/v1/query') return send(404, '404 page not found\n');
    const query = params.get('query') ?? '';
    const time = params.get('time');
    queries.push({ method: req.method ?? '', query, time });
    const failure = failures.shift();
    if (failure) return send(failure.status, failure.body);
    const answer = evaluate(query, clusters);
    if (!answer) {
      return send(400, {
        status: 'error',
        errorType: 'bad_data',
        error: `1:1: parse error: unexpected query ${query}`,
      });
    }
    const ts = time === null ? Date.now() / 1000 : Number(time);
    send(200, {
      status: 'success',
      data: {
        resultType: 'vector',
        result: answer.map(({ metric, value }) => ({ metric, value: [ts, String(value)] })),
      },
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    setCluster(matchers, data) {
      clusters.set(matchers, data);
    },
    failNext(
      status,
      times,
      body = { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' },
    ) {
      for (let i = 0; i < times; i++) failures.push({ status, body });
    },
    reset() {
      queries.length = 0;
      failures.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const QUERY =
  /^sum by \((code|le)\) \(increase\((kong_http_requests_total|kong_request_latency_ms_bucket|kong_upstream_latency_ms_bucket)\{(.*)\}\[(\d+)s\]\)\)$/;

function evaluate(
  query: string,
  clusters: Map<string, CannedCluster>,
): { metric: Record<string, string>; value: number }[] | null {
  const match = QUERY.exec(query);
  if (!match) return null;
  const [, by, metric, matchers, range] = match;
  const data = clusters.get(matchers ?? '');
  if (!data) return [];
  const seconds = Number(range);
  const table =
    metric === 'kong_http_requests_total'
      ? data.requestsPerSecondByCode
      : metric === 'kong_request_latency_ms_bucket'
        ? data.requestLatencyPerSecond
        : data.upstreamLatencyPerSecond;
  if (!table) return [];
  return Object.entries(table).map(([key, perSecond]) => ({
    metric: { [by ?? 'code']: key },
    value: perSecond * seconds,
  }));
}
