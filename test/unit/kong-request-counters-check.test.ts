import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requestCountersCheck, scrapeForCheck } from '../../src/kong/request-counters-check.js';

const URL = 'http://kong-x-status:8100/metrics';

describe('requestCountersCheck', () => {
  it.each<[string, string, 'pass' | 'warn']>([
    [
      '3.x counter',
      '# TYPE kong_http_requests_total counter\nkong_http_requests_total{service="s",route="r",code="200",source="service",workspace="default",consumer=""} 5\n',
      'pass',
    ],
    ['2.8 counter', 'kong_http_status{service="s",route="r",code="200"} 5\n', 'pass'],
    [
      'only node gauges (no plugin flags, or no traffic yet)',
      '# TYPE kong_nginx_requests_total gauge\nkong_nginx_requests_total{node_id="n",subsystem="http"} 9\nkong_datastore_reachable 1\n',
      'warn',
    ],
  ])('%s', (_n, text, status) => {
    const c = requestCountersCheck(URL, { text });
    expect(c.status).toBe(status);
    if (status === 'warn') expect(c.detail).toMatch(/no request counter/);
  });

  it('an unreadable /metrics is a warning naming the URL', () => {
    expect(requestCountersCheck(URL, { error: 'HTTP 404' })).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(`${URL} could not be read: HTTP 404`),
    });
  });

  it('scrapeForCheck: reads the text, reports a status or a timeout, never throws', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/hang') return;
      res.writeHead(req.url === '/metrics' ? 200 : 404);
      res.end('kong_http_status{code="200"} 1\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await scrapeForCheck(`${base}/metrics`, {}, 2000)).toEqual({
        text: 'kong_http_status{code="200"} 1\n',
      });
      expect(await scrapeForCheck(`${base}/nope`, {}, 2000)).toEqual({ error: 'HTTP 404' });
      expect(await scrapeForCheck(`${base}/hang`, {}, 200)).toEqual({ error: 'no answer within 200 ms' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
