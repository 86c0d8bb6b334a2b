import type { Registry } from 'prom-client';
import type { HttpRoute } from '../slack/create-slack-app.js';

export interface HealthProbe {
  name: string;
  check: () => Promise<void>;
}

const PROBE_TIMEOUT_MS = 2000;

async function probe(p: HealthProbe): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p.check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return null;
  } catch (err) {
    return (err as Error).message || 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/** GET /healthz (PostgreSQL and Redis answer?) and GET /metrics (prom-client). */
export function createHttpRoutes(options: { probes: HealthProbe[]; registry: Registry }): HttpRoute[] {
  return [
    {
      path: '/healthz',
      method: 'GET',
      handler: (_req, res) => {
        void Promise.all(options.probes.map(async (p) => [p.name, await probe(p)] as const)).then(
          (results) => {
            const failed = Object.fromEntries(results.filter(([, e]) => e !== null));
            const ok = Object.keys(failed).length === 0;
            res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
            res.end(JSON.stringify(ok ? { ok: true } : { ok: false, failed }));
          },
        );
      },
    },
    {
      path: '/metrics',
      method: 'GET',
      handler: (_req, res) => {
        void options.registry.metrics().then(
          (body) => {
            res.writeHead(200, { 'content-type': options.registry.contentType });
            res.end(body);
          },
          (err: Error) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(err.message);
          },
        );
      },
    },
  ];
}
