import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { readUpgradeFacts } from '../../src/kong/read-upgrade-facts.js';

/** A tiny Admin API answering each path with a fixed status and body (404 for anything else). */
async function adminApi(routes: Record<string, [number, unknown]>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const [status, body] = routes[path] ?? [404, { message: 'Not found' }];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('readUpgradeFacts against odd Admin APIs', () => {
  const servers: Server[] = [];
  let oss = '';
  let broken = '';
  let odd = '';

  beforeAll(async () => {
    const a = await adminApi({});
    const b = await adminApi({ '/workspaces': [200, { data: [{ nope: 1 }], next: null }] });
    const c = await adminApi({ '/endpoints': [200, { data: 'services' }] });
    servers.push(a.server, b.server, c.server);
    [oss, broken, odd] = [a.url, b.url, c.url];
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('an OSS X (no /workspaces) and a Y without /endpoints give no facts, not an error', async () => {
    expect(await readUpgradeFacts({ adminUrl: oss }, { adminUrl: oss }, { retries: 0 })).toEqual({});
  });

  it('a Y whose /endpoints is not a list is ignored (the 3.15 list stands in)', async () => {
    expect(await readUpgradeFacts({ adminUrl: oss }, { adminUrl: odd }, { retries: 0 })).toEqual({});
  });

  it("a malformed /workspaces on X is a clear error naming X's Admin API", async () => {
    const error = await readUpgradeFacts({ adminUrl: broken }, { adminUrl: oss }, { retries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe('E_KONG_BAD_RESPONSE');
    expect((error as Error).message).toMatch(/^X's Kong Admin API at http:\/\/127\.0\.0\.1:\d+/);
  });
});
