import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import {
  SANDBOX_SECRET_VARS,
  type SandboxConfigInput,
  sandboxConfigText,
} from '../../src/sandbox/sandbox-config.js';

const input: SandboxConfigInput = {
  x: {
    adminUrl: 'http://127.0.0.1:8001',
    proxyUrl: 'http://127.0.0.1:8000',
    metricsUrls: ['http://127.0.0.1:8100/metrics'],
    databaseUrl: 'postgres://kong:x-db-pass-123@127.0.0.1:5432/kong_sandbox_x',
  },
  y: {
    adminUrl: 'http://127.0.0.1:9001',
    proxyUrl: 'http://127.0.0.1:9000',
    metricsUrls: ['http://127.0.0.1:9100/metrics', 'http://127.0.0.1:9200/metrics'],
    databaseUrl: 'postgres://kong:y-db-pass-456@127.0.0.1:5432/kong_sandbox_y',
    version: '3.9.1',
  },
  routerUrl: 'http://127.0.0.1:7000/weights',
  backupDir: '/tmp/sandbox/backups',
  deployCommands: [['node', 'cli.ts', 'up', '--version', '3.9.1']],
  smoke: { path: '/orders', key: 'smoke-key-1' },
  observeSeconds: 20,
  intervalSeconds: 5,
  minRequests: 5,
  loadRate: 30,
};

const secrets = {
  [SANDBOX_SECRET_VARS.routerSecret]: 'router-secret-abcdef',
  [SANDBOX_SECRET_VARS.xDatabaseUrl]: input.x.databaseUrl,
  [SANDBOX_SECRET_VARS.yDatabaseUrl]: input.y.databaseUrl,
};

describe('sandboxConfigText', () => {
  it('is a valid bot config once the secret references are filled in', () => {
    const config = parseConfigText(sandboxConfigText(input), secrets, 'sandbox.yaml');
    const env = config.environments.sandbox;
    expect(config.slack.channel).toBe('C0SANDBOX1');
    expect(config.approvals).toMatchObject({ approvers: ['U0SBAPP', 'U0SBAP2'], fourEyes: true });
    expect(env?.clusterY.version).toBe('3.9.1');
    expect(env?.clusterX.databaseUrl).toBe(input.x.databaseUrl);
    // Every node of a cluster is scraped: one URL stays metricsUrl, several become metricsUrls.
    expect(env?.clusterX.metricsUrls).toEqual(['http://127.0.0.1:8100/metrics']);
    expect(env?.clusterY.metricsUrls).toEqual([
      'http://127.0.0.1:9100/metrics',
      'http://127.0.0.1:9200/metrics',
    ]);
    expect(sandboxConfigText(input)).toMatch(/metricsUrl: http:\/\/127\.0\.0\.1:8100\/metrics/);
    expect(env?.traffic.router).toBe('webhook');
    expect(env?.traffic.webhook).toEqual({ url: input.routerUrl, secret: 'router-secret-abcdef' });
    expect(env?.deploy.commands).toEqual(input.deployCommands);
    expect(env?.plan).toEqual({ steps: [5, 25, 50, 100], observeSeconds: 20 });
    expect(env?.metrics.intervalSeconds).toBe(5);
    expect(env?.metrics.thresholds.minRequests).toBe(5);
    expect(env?.smokeTests.map((t) => [t.request.path, t.request.headers, t.expect.status])).toEqual([
      ['/orders', {}, 401],
      ['/orders', { apikey: 'smoke-key-1' }, 200],
    ]);
  });

  it('a hybrid Y requires its data planes (minDataPlanes); a traditional Y has no such key', () => {
    const hybrid = parseConfigText(
      sandboxConfigText({ ...input, y: { ...input.y, minDataPlanes: 2 } }),
      secrets,
      'sandbox.yaml',
    );
    expect(hybrid.environments.sandbox?.clusterY.minDataPlanes).toBe(2);
    const plain = parseConfigText(sandboxConfigText(input), secrets, 'sandbox.yaml');
    expect(plain.environments.sandbox?.clusterY.minDataPlanes).toBeUndefined();
  });

  it('writes no secret: passwords and the router secret are references, and comments mask the URLs', () => {
    const text = sandboxConfigText(input);
    expect(text).not.toContain('x-db-pass-123');
    expect(text).not.toContain('y-db-pass-456');
    expect(text).toContain(`\${${SANDBOX_SECRET_VARS.routerSecret}}`);
    expect(text).toContain('postgres://kong:****@127.0.0.1:5432/kong_sandbox_x');
  });

  it('explains the low minRequests with the demo numbers', () => {
    const text = sandboxConfigText(input);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.trim() === 'minRequests: 5');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at - 2, at).join('\n')).toMatch(/30 req\/s and 5 % on Y, Y sees about 7\.5 requests/);
  });

  it('fails validation without the secret references filled in (nothing silently empty)', () => {
    expect(() => parseConfigText(sandboxConfigText(input), {}, 'sandbox.yaml')).toThrow(
      /KONG_SANDBOX_ROUTER_SECRET/,
    );
  });
});
