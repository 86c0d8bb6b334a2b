import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { applyAndConfirm } from '../../src/traffic/apply-and-confirm.js';
import { createNginxRouter } from '../../src/traffic/nginx-router.js';
import { type NginxHarness, startNginxHarness } from '../support/nginx-harness.js';

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('nginx router against a real nginx', () => {
  let nginx: NginxHarness;
  beforeAll(async () => {
    nginx = await startNginxHarness();
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  it('starts at 100 % X: read-back and served traffic agree', async () => {
    const router = createNginxRouter(nginx.routerOptions());
    await expect(router.read()).resolves.toEqual({ x: 100, y: 0 });
    nginx.resetCounts();
    const seen = await nginx.sendRequests(100);
    expect(seen).toEqual({ x: 100, y: 0, other: 0 });
    expect(nginx.counts).toEqual({ x: 100, y: 0 });
  });

  it('20 % to Y: 2,000 requests split within ±3 points of 80/20, counted at the upstreams', async () => {
    const router = createNginxRouter(nginx.routerOptions());
    await expect(applyAndConfirm(router, { x: 80, y: 20 })).resolves.toEqual({ x: 80, y: 20 });
    const text = await readFile(nginx.upstreamFile, 'utf8');
    expect(text).toMatch(/server 127\.0\.0\.1:\d+ weight=4;/);
    expect(text).toMatch(/server 127\.0\.0\.1:\d+ weight=1;/);
    nginx.resetCounts();
    const seen = await nginx.sendRequests(2_000);
    expect(seen.other).toBe(0);
    expect(nginx.counts.x + nginx.counts.y).toBe(2_000);
    const yShare = (100 * nginx.counts.y) / 2_000;
    expect(yShare).toBeGreaterThanOrEqual(17);
    expect(yShare).toBeLessThanOrEqual(23);
  });

  it('100 % to Y right after apply resolves: no request reaches the old X (reload confirmed)', async () => {
    const router = createNginxRouter(nginx.routerOptions());
    await applyAndConfirm(router, { x: 0, y: 100 });
    expect(await readFile(nginx.upstreamFile, 'utf8')).toMatch(/weight=1 down;/);
    nginx.resetCounts();
    await nginx.sendRequests(200);
    expect(nginx.counts).toEqual({ x: 0, y: 200 });
  });

  it('0 % to Y (rollback) sends everything back to X', async () => {
    const router = createNginxRouter(nginx.routerOptions());
    await applyAndConfirm(router, { x: 100, y: 0 });
    nginx.resetCounts();
    await nginx.sendRequests(200);
    expect(nginx.counts).toEqual({ x: 200, y: 0 });
  });

  it('an upstream nginx -t rejects keeps the old file byte for byte, the old read-back and the old traffic', async () => {
    const good = createNginxRouter(nginx.routerOptions());
    await applyAndConfirm(good, { x: 50, y: 50 });
    const before = await readFile(nginx.upstreamFile);
    const bad = createNginxRouter({ ...nginx.routerOptions(), yServer: '127.0.0.1:notaport' });
    const err = await rejection(bad.apply({ x: 25, y: 75 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.message).toContain('invalid port'); // nginx's own stderr tail
    expect(err.message).toContain('put back');
    expect(await readFile(nginx.upstreamFile)).toEqual(before);
    await expect(good.read()).resolves.toEqual({ x: 50, y: 50 });
    nginx.resetCounts();
    await nginx.sendRequests(200);
    expect(nginx.counts).toEqual({ x: 100, y: 100 });
  });

  it('a failing testCommand (exit code, missing program, timeout) restores the previous file', async () => {
    const before = await readFile(nginx.upstreamFile);
    const cases: Array<{ testCommand: string[]; timeoutMs?: number; expect: string }> = [
      { testCommand: ['false'], expect: 'exited with code 1' },
      { testCommand: ['/nonexistent/nginx', '-t'], expect: 'could not start' },
      { testCommand: ['sleep', '5'], timeoutMs: 200, expect: 'did not finish within 200 ms' },
    ];
    for (const c of cases) {
      const router = createNginxRouter(
        { ...nginx.routerOptions(), testCommand: c.testCommand },
        { timeoutMs: c.timeoutMs ?? 5_000 },
      );
      const err = await rejection(router.apply({ x: 10, y: 90 }));
      expect(err.code).toBe('E_ROUTER_APPLY');
      expect(err.message).toContain(c.expect);
      expect(await readFile(nginx.upstreamFile)).toEqual(before);
    }
  });

  it('cancelling through the signal stops the test command and restores the previous file', async () => {
    const before = await readFile(nginx.upstreamFile);
    const router = createNginxRouter({ ...nginx.routerOptions(), testCommand: ['sleep', '5'] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await rejection(router.apply({ x: 10, y: 90 }, controller.signal));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.message).toContain('was cancelled');
    expect(await readFile(nginx.upstreamFile)).toEqual(before);
  });

  it('a failing reload restores the previous file too', async () => {
    const before = await readFile(nginx.upstreamFile);
    const router = createNginxRouter({ ...nginx.routerOptions(), reloadCommand: ['false'] });
    const err = await rejection(router.apply({ x: 5, y: 95 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('reload');
    expect(await readFile(nginx.upstreamFile)).toEqual(before);
  });

  it('a reload nginx never acts on (no new workers) fails after the timeout and restores the file', async () => {
    const before = await readFile(nginx.upstreamFile);
    // `true` exits 0 but signals nothing, like a reload command aimed at the wrong nginx.
    const router = createNginxRouter(
      { ...nginx.routerOptions(), reloadCommand: ['true'] },
      { timeoutMs: 300 },
    );
    const err = await rejection(router.apply({ x: 5, y: 95 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.message).toContain('did not start new worker processes');
    expect(await readFile(nginx.upstreamFile)).toEqual(before);
  });

  it('with no previous file, a failed test leaves no file behind', async () => {
    const upstreamFile = join(nginx.prefix, 'conf.d', 'not-included.conf');
    const router = createNginxRouter({ ...nginx.routerOptions(), upstreamFile, testCommand: ['false'] });
    await rejection(router.apply({ x: 50, y: 50 }));
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('ENOENT');
  });

  it('read-back refuses a hand-edited or foreign file', async () => {
    const upstreamFile = join(nginx.prefix, 'conf.d', 'hand-edited.conf');
    const router = createNginxRouter({ ...nginx.routerOptions(), upstreamFile });
    await writeFile(upstreamFile, 'upstream kong { server a:1; }\n');
    expect((await rejection(router.read())).code).toBe('E_ROUTER_READBACK');
    const good = (await readFile(nginx.upstreamFile, 'utf8')).replace(/weight=(\d+);/, 'weight=7;');
    await writeFile(upstreamFile, good);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('block-differs');
  });

  it('concurrent applies are serialised: the file ends as the last one asked', async () => {
    const router = createNginxRouter(nginx.routerOptions());
    await Promise.all([router.apply({ x: 70, y: 30 }), router.apply({ x: 40, y: 60 })]);
    await expect(router.read()).resolves.toEqual({ x: 40, y: 60 });
    nginx.resetCounts();
    await nginx.sendRequests(100);
    expect(nginx.counts).toEqual({ x: 40, y: 60 });
    // Every atomic write, including the failed and restored ones above, cleaned up its temp file.
    expect((await readdir(join(nginx.prefix, 'conf.d'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('describes the plan without running anything', () => {
    const router = createNginxRouter(nginx.routerOptions());
    const line = router.describe({ x: 95, y: 5 });
    expect(line).toContain(nginx.upstreamFile);
    expect(line).toContain('-t');
    expect(line).toContain('reload');
  });
});
