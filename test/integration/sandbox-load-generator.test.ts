import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoadGenerator } from '../../src/sandbox/load-generator.js';

let server: Server;
let url: string;
let delayMs = 0;
const seen: Array<{ path: string; apikey: string | undefined }> = [];
let maxOpen = 0;
let open = 0;
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    sockets.add(req.socket);
    seen.push({ path: req.url ?? '', apikey: req.headers.apikey as string | undefined });
    setTimeout(() => {
      open -= 1;
      res.writeHead(req.url === '/fail' ? 503 : req.headers.apikey ? 200 : 401).end('ok');
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the load generator', () => {
  it('roughly honours the rate, cycles the paths with their headers and reuses connections', async () => {
    seen.length = 0;
    sockets.clear();
    delayMs = 0;
    const gen = startLoadGenerator({
      url,
      ratePerSecond: 100,
      paths: [{ path: '/orders', headers: { apikey: 'k1' } }, { path: '/orders' }, { path: '/fail' }],
    });
    await sleep(1000);
    await gen.stop();
    const s = gen.stats();
    expect(s.sent).toBeGreaterThanOrEqual(80);
    expect(s.sent).toBeLessThanOrEqual(105);
    expect(s.completed).toBe(s.sent);
    expect(s.inFlight).toBe(0);
    expect(s.failed).toBe(0);
    const third = Math.floor(s.sent / 3);
    expect(s.byStatus['200']).toBeGreaterThanOrEqual(third);
    expect(s.byStatus['401']).toBeGreaterThanOrEqual(third);
    expect(s.byStatus['503']).toBeGreaterThanOrEqual(third);
    expect(seen.slice(0, 3)).toEqual([
      { path: '/orders', apikey: 'k1' },
      { path: '/orders', apikey: undefined },
      { path: '/fail', apikey: undefined },
    ]);
    // Keep-alive: far fewer connections than requests.
    expect(sockets.size).toBeLessThanOrEqual(8);
    const after = seen.length;
    await sleep(100);
    expect(seen.length).toBe(after);
  });

  it('never has more than maxInFlight requests open against a slow server, skipping instead', async () => {
    maxOpen = 0;
    delayMs = 300;
    const gen = startLoadGenerator({ url, ratePerSecond: 200, paths: [{ path: '/slow' }], maxInFlight: 3 });
    await sleep(600);
    await gen.stop();
    delayMs = 0;
    const s = gen.stats();
    expect(maxOpen).toBeLessThanOrEqual(3);
    expect(s.skipped).toBeGreaterThan(50);
    expect(s.sent + s.skipped).toBeGreaterThanOrEqual(100);
    expect(s.inFlight).toBe(0);
  });

  it('counts refused connections instead of throwing, and stops on its signal', async () => {
    const ac = new AbortController();
    const gen = startLoadGenerator({
      url: 'http://127.0.0.1:9',
      ratePerSecond: 50,
      paths: [{ path: '/' }],
      signal: ac.signal,
    });
    await sleep(300);
    ac.abort();
    await sleep(50);
    const s = gen.stats();
    expect(s.failed).toBeGreaterThan(5);
    expect(s.completed).toBe(0);
    await sleep(100);
    expect(gen.stats().sent).toBe(s.sent);
  });

  it('refuses non-loopback targets, bad rates and empty path lists', () => {
    expect(() =>
      startLoadGenerator({ url: 'http://example.com', ratePerSecond: 1, paths: [{ path: '/' }] }),
    ).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
    expect(() => startLoadGenerator({ url: 'not a url', ratePerSecond: 1, paths: [{ path: '/' }] })).toThrow(
      /not a URL/,
    );
    expect(() => startLoadGenerator({ url, ratePerSecond: 0, paths: [{ path: '/' }] })).toThrow(
      /ratePerSecond/,
    );
    expect(() => startLoadGenerator({ url, ratePerSecond: 1, paths: [] })).toThrow(/at least one path/);
  });
});
