import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongUpstreamRouter } from '../../src/traffic/kong-upstream-router.js';

/**
 * The front Kong's `next` link is followed by its path and query only: an absolute URL, or `@host/…`
 * that would turn the base URL's host into user-info, never carries the admin token to another host.
 */
const TOKEN = 'front-admin-token-123';

let front: Server;
let elsewhere: Server;
let frontUrl: string;
let elsewherePort: number;
const tokensElsewhere: string[] = [];
let nextLink = '';

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    tokensElsewhere.push(String(req.headers['kong-admin-token'] ?? ''));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [{ target: 'y:8000', weight: 1000 }], next: null }));
  });
  elsewherePort = await listen(elsewhere);
  front = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('offset') === 'page2') {
      res.end(JSON.stringify({ data: [{ target: 'y:8000', weight: 0 }], next: null }));
      return;
    }
    res.end(JSON.stringify({ data: [{ target: 'x:8000', weight: 1000 }], next: nextLink }));
  });
  frontUrl = `http://127.0.0.1:${await listen(front)}`;
});
afterAll(() => {
  front.close();
  elsewhere.close();
});

describe('kong-upstream router: next links', () => {
  it.each([
    [
      'an absolute URL to another host',
      () => `http://127.0.0.1:${elsewherePort}/upstreams/u/targets?offset=page2`,
    ],
    ['an @host link', () => `@127.0.0.1:${elsewherePort}/upstreams/u/targets?offset=page2`],
  ])('%s is followed on the configured host only', async (_name, link) => {
    nextLink = link();
    tokensElsewhere.length = 0;
    const router = createKongUpstreamRouter(
      { adminUrl: frontUrl, adminToken: TOKEN, upstream: 'u', xTarget: 'x:8000', yTarget: 'y:8000' },
      { attempts: 1 },
    );
    // Page 2 (from the configured host) says y has weight 0: 100 % to X.
    expect(await router.read()).toEqual({ x: 100, y: 0 });
    expect(tokensElsewhere).toEqual([]);
  });
});
