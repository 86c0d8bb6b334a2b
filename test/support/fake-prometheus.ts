import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for Prometheus's HTTP API, for the error paths only (the data paths are tested
 * against a real Prometheus, see real-prometheus.ts): `GET /api/v1/query` answers every query with an
 * empty result of the right type (a range selector `[Ns]` gives a matrix, anything else a vector),
 * `GET /api/v1/targets` an empty list; `failNext` makes the next answers fail as Prometheus does.
 */
export interface ReceivedQuery {
  method: string;
  query: string;
  time: string | null;
}

export interface FakePrometheus {
  url: string;
  queries: ReceivedQuery[];
  /** The next `times` requests fail with the given status and Prometheus error body (or a raw body). */
  failNext(status: number, times: number, body?: unknown): void;
  /** Forgets received queries and pending failures. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakePrometheus(): Promise<FakePrometheus> {
  const failures: { status: number; body: unknown }[] = [];
  const queries: ReceivedQuery[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/targets') {
      return send(200, { status: 'success', data: { activeTargets: [], droppedTargets: [] } });
    }
    if (url.pathname !== '/api/v1/query') return send(404, '404 page not found\n');
    const query = url.searchParams.get('query') ?? '';
    queries.push({ method: req.method ?? '', query, time: url.searchParams.get('time') });
    const failure = failures.shift();
    if (failure) return send(failure.status, failure.body);
    send(200, {
      status: 'success',
      data: { resultType: /\[\d+s\]$/.test(query) ? 'matrix' : 'vector', result: [] },
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
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
