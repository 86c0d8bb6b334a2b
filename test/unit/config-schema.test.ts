import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import {
  configProblems,
  DESIGN_EXAMPLE_ENV,
  DESIGN_EXAMPLE_YAML,
  minimalConfigObject,
  parseConfigObject,
  problemsOfObject,
  withConfigKey,
} from '../support/config-fixtures.js';

const DELETE = withConfigKey.DELETE;
const P = 'environments.prod';

/** Problems of the minimal config with one key changed. */
function problemsWith(path: string, value: unknown) {
  return problemsOfObject(withConfigKey(minimalConfigObject(), path, value));
}

function paths(problems: { path: string }[]): string[] {
  return problems.map((p) => p.path);
}

describe('docs/contract.md#config-file example', () => {
  it('parses to exactly the documented values', () => {
    const config = parseConfigText(DESIGN_EXAMPLE_YAML, DESIGN_EXAMPLE_ENV, 'design.yaml');
    expect(config).toEqual({
      slack: { channel: 'C0123456789' },
      retention: { backupDays: 14, metricSampleDays: 90, outboxDays: 30 },
      approvals: {
        approvers: ['U0AAA', 'U0BBB'],
        approverGroups: ['S0CCC'],
        fourEyes: true,
        gateTimeoutMinutes: 60,
        minApprovals: 1,
        requiredGroups: [],
        operators: [],
        operatorGroups: [],
        reminderMinutes: 15,
        reasonRequired: [],
      },
      environments: {
        prod: {
          clusterX: {
            adminUrl: 'http://kong-x-admin:8001',
            adminToken: 'kx-admin-token-123',
            proxyUrl: 'http://kong-x:8000',
            metricsUrl: 'http://kong-x-status:8100/metrics',
            metricsUrls: ['http://kong-x-status:8100/metrics'],
            databaseUrl: 'postgres://kong:x-db-secret@kong-x-db:5432/kong',
          },
          clusterY: {
            adminUrl: 'http://kong-y-admin:8001',
            proxyUrl: 'http://kong-y:8000',
            metricsUrl: 'http://kong-y-admin:8001/metrics',
            metricsUrls: ['http://kong-y-admin:8001/metrics'],
            databaseUrl: 'postgres://kong:y-db-secret@kong-y-db:5432/kong',
            version: '3.9.1',
          },
          backup: { dir: '/var/lib/kong-upgrade/backups', jobs: 4 },
          deploy: {
            commands: [
              ['kong', 'migrations', 'up', '--yes'],
              ['kong', 'migrations', 'finish', '--yes'],
            ],
            timeoutSeconds: 900,
            env: [],
          },
          traffic: {
            router: 'nginx',
            nginx: {
              upstreamFile: '/etc/nginx/conf.d/kong-upgrade.conf',
              upstreamName: 'kong',
              xServer: 'kong-x:8000',
              yServer: 'kong-y:8000',
              testCommand: ['nginx', '-t'],
              reloadCommand: ['nginx', '-s', 'reload'],
            },
          },
          plan: { steps: [5, 25, 50, 100], observeSeconds: 600 },
          metrics: {
            source: 'kong',
            prometheus: {
              url: 'http://prometheus:9090',
              xSelector: '{cluster="x"}',
              ySelector: '{cluster="y"}',
            },
            intervalSeconds: 60,
            thresholds: {
              maxErrorRateIncrease: 0.005,
              maxP95LatencyRatio: 1.25,
              maxP99LatencyRatio: 1.5,
              minRequests: 200,
            },
          },
          smokeTests: [
            {
              name: 'key-auth rejects anonymous',
              request: { method: 'GET', path: '/orders', headers: {} },
              expect: { status: 401 },
            },
            {
              name: 'key-auth accepts a valid key',
              request: { method: 'GET', path: '/orders', headers: { apikey: 'smoke-key-456' } },
              expect: { status: 200 },
            },
          ],
        },
      },
    });
  });

  it('returns a deep-frozen config', () => {
    const config = parseConfigText(DESIGN_EXAMPLE_YAML, DESIGN_EXAMPLE_ENV, 'design.yaml');
    const steps = config.environments.prod?.plan.steps ?? [];
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.environments.prod?.clusterX)).toBe(true);
    expect(Object.isFrozen(steps)).toBe(true);
    expect(() => {
      steps.push(7);
    }).toThrow(TypeError);
  });
});

describe('defaults', () => {
  const config = parseConfigObject(minimalConfigObject());
  const prod = config.environments.prod;

  it('fills every documented default', () => {
    expect(config.slack).toEqual({});
    expect(config.approvals).toEqual({
      approvers: ['U0AAA'],
      approverGroups: [],
      fourEyes: true,
      gateTimeoutMinutes: 60,
      minApprovals: 1,
      requiredGroups: [],
      operators: [],
      operatorGroups: [],
      reminderMinutes: 15,
      reasonRequired: [],
    });
    expect(prod?.backup.jobs).toBe(4);
    expect(prod?.deploy.timeoutSeconds).toBe(900);
    expect(prod?.plan).toEqual({ steps: [5, 25, 50, 100], observeSeconds: 600 });
    expect(prod?.metrics).toEqual({
      source: 'kong',
      intervalSeconds: 60,
      thresholds: {
        maxErrorRateIncrease: 0.005,
        maxP95LatencyRatio: 1.25,
        maxP99LatencyRatio: 1.5,
        minRequests: 200,
      },
    });
    expect(prod?.smokeTests).toEqual([]);
  });

  it('defaults metricsUrl to adminUrl + /metrics on both clusters, without doubling a trailing slash', () => {
    expect(prod?.clusterX.metricsUrl).toBe('http://kong-x-admin:8001/metrics');
    expect(prod?.clusterY.metricsUrl).toBe('http://kong-y-admin:8001/metrics');
    const slash = parseConfigObject(
      withConfigKey(minimalConfigObject(), `${P}.clusterX.adminUrl`, 'http://a:8001/'),
    );
    expect(slash.environments.prod?.clusterX.metricsUrl).toBe('http://a:8001/metrics');
    expect(slash.environments.prod?.clusterX.adminUrl).toBe('http://a:8001');
  });

  it('reads metricsUrls as the list of nodes, metricsUrl as a list of one, and refuses both at once', () => {
    const urls = ['http://kong-x-1:8100/metrics', 'http://kong-x-2:8100/metrics'];
    const many = parseConfigObject(withConfigKey(minimalConfigObject(), `${P}.clusterX.metricsUrls`, urls));
    expect(many.environments.prod?.clusterX.metricsUrls).toEqual(urls);
    expect(prod?.clusterY.metricsUrls).toEqual(['http://kong-y-admin:8001/metrics']);
    const both = withConfigKey(
      withConfigKey(minimalConfigObject(), `${P}.clusterX.metricsUrls`, urls),
      `${P}.clusterX.metricsUrl`,
      'http://kong-x-1:8100/metrics',
    );
    expect(() => parseConfigObject(both)).toThrow(/metricsUrl.*cannot be set together with metricsUrls/s);
  });

  it('defaults the nginx commands and the kubernetes-gateway connection settings', () => {
    const nginx = prod?.traffic.router === 'nginx' ? prod.traffic.nginx : undefined;
    expect(nginx?.testCommand).toEqual(['nginx', '-t']);
    expect(nginx?.reloadCommand).toEqual(['nginx', '-s', 'reload']);
    const k8s = parseConfigObject(
      withConfigKey(minimalConfigObject(), `${P}.traffic`, {
        router: 'kubernetes-gateway',
        'kubernetes-gateway': {
          namespace: 'edge',
          httpRoute: 'kong',
          xBackend: 'kong-x',
          yBackend: 'kong-y',
        },
      }),
    ).environments.prod?.traffic;
    expect(k8s?.router === 'kubernetes-gateway' ? k8s['kubernetes-gateway'] : undefined).toEqual({
      apiUrl: 'https://kubernetes.default.svc',
      tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      namespace: 'edge',
      httpRoute: 'kong',
      ruleIndex: 0,
      xBackend: 'kong-x',
      yBackend: 'kong-y',
    });
  });

  it('defaults a smoke test method to GET and headers to none', () => {
    const config2 = parseConfigObject(
      withConfigKey(minimalConfigObject(), `${P}.smokeTests`, [
        { name: 'health', request: { path: '/status' }, expect: { status: 200 } },
      ]),
    );
    expect(config2.environments.prod?.smokeTests[0]?.request).toEqual({
      method: 'GET',
      path: '/status',
      headers: {},
    });
  });

  it('accepts the other routers and a webhook deploy', () => {
    for (const traffic of [
      {
        router: 'kong-upstream',
        'kong-upstream': {
          adminUrl: 'http://front:8001',
          upstream: 'kong',
          xTarget: 'x:8000',
          yTarget: 'y:8000',
        },
      },
      { router: 'webhook', webhook: { url: 'https://lb.example/weights', secret: 's3cret-value' } },
    ]) {
      const parsed = parseConfigObject(withConfigKey(minimalConfigObject(), `${P}.traffic`, traffic));
      expect(parsed.environments.prod?.traffic.router).toBe(traffic.router);
    }
    const webhookDeploy = parseConfigObject(
      withConfigKey(minimalConfigObject(), `${P}.deploy`, {
        webhook: { url: 'https://ci.example/deploy', secret: 'abcd' },
      }),
    );
    expect(webhookDeploy.environments.prod?.deploy).toEqual({
      webhook: { url: 'https://ci.example/deploy', secret: 'abcd' },
      timeoutSeconds: 900,
      env: [],
    });
  });
});

describe('rules, each with its key path', () => {
  it.each([
    ['approvals.approvers', ['bob'], 'approvals.approvers[0]'],
    ['approvals.approverGroups', ['U0AAA'], 'approvals.approverGroups[0]'],
    ['approvals.fourEyes', 'yes', 'approvals.fourEyes'],
    ['approvals.gateTimeoutMinutes', 0, 'approvals.gateTimeoutMinutes'],
    ['slack.channel', '#general', 'slack.channel'],
    [`${P}.clusterX.adminUrl`, 'ftp://kong:8001', `${P}.clusterX.adminUrl`],
    [`${P}.clusterX.proxyUrl`, 'kong-x:8000', `${P}.clusterX.proxyUrl`],
    [`${P}.clusterX.metricsUrl`, 'not a url', `${P}.clusterX.metricsUrl`],
    [`${P}.clusterX.metricsUrls`, ['http://a:8100/metrics', 'nope'], `${P}.clusterX.metricsUrls[1]`],
    [`${P}.clusterX.metricsUrls`, [], `${P}.clusterX.metricsUrls`],
    [`${P}.clusterY.metricsUrls`, ['http://a/m', 'http://a/m'], `${P}.clusterY.metricsUrls`],
    [`${P}.clusterX.databaseUrl`, 'mysql://kong@db/kong', `${P}.clusterX.databaseUrl`],
    [`${P}.clusterX.adminToken`, '', `${P}.clusterX.adminToken`],
    [`${P}.clusterY.version`, DELETE, `${P}.clusterY.version`],
    [`${P}.clusterY.version`, 'latest', `${P}.clusterY.version`],
    [`${P}.clusterY.version`, 3.1, `${P}.clusterY.version`],
    [`${P}.backup.jobs`, 0, `${P}.backup.jobs`],
    [`${P}.backup.jobs`, 2.5, `${P}.backup.jobs`],
    [`${P}.backup.dir`, DELETE, `${P}.backup.dir`],
    [`${P}.deploy.commands`, [], `${P}.deploy.commands`],
    [`${P}.deploy.commands`, [[]], `${P}.deploy.commands[0]`],
    [`${P}.deploy.commands`, [['kong', '']], `${P}.deploy.commands[0][1]`],
    [`${P}.deploy.commands`, ['kong migrations up'], `${P}.deploy.commands[0]`],
    [`${P}.deploy.timeoutSeconds`, -1, `${P}.deploy.timeoutSeconds`],
    [`${P}.traffic.router`, 'haproxy', `${P}.traffic.router`],
    [`${P}.traffic.nginx.xServer`, 'http://kong-x:8000', `${P}.traffic.nginx.xServer`],
    [`${P}.traffic.nginx.reloadCommand`, 'nginx -s reload', `${P}.traffic.nginx.reloadCommand`],
    [`${P}.plan.steps`, [5, 50, 25, 100], `${P}.plan.steps`],
    [`${P}.plan.steps`, [5, 25, 50], `${P}.plan.steps`],
    [`${P}.plan.observeSeconds`, -5, `${P}.plan.observeSeconds`],
    [`${P}.metrics.source`, 'datadog', `${P}.metrics.source`],
    [`${P}.metrics.intervalSeconds`, 0, `${P}.metrics.intervalSeconds`],
    [`${P}.metrics.thresholds.maxP95LatencyRatio`, 0.5, `${P}.metrics.thresholds.maxP95LatencyRatio`],
    [`${P}.metrics.thresholds.minRequests`, -1, `${P}.metrics.thresholds.minRequests`],
    [`${P}.metrics.thresholds.maxErrorRateIncrease`, 2, `${P}.metrics.thresholds.maxErrorRateIncrease`],
    [
      `${P}.smokeTests`,
      [{ name: 'x', request: { path: 'orders' }, expect: { status: 200 } }],
      `${P}.smokeTests[0].request.path`,
    ],
    [
      `${P}.smokeTests`,
      [{ name: 'x', request: { path: '/' }, expect: { status: 99 } }],
      `${P}.smokeTests[0].expect.status`,
    ],
    [
      `${P}.smokeTests`,
      [{ name: 'x', request: { method: 'FETCH', path: '/' }, expect: { status: 200 } }],
      `${P}.smokeTests[0].request.method`,
    ],
  ])('%s = %j is reported at %s', (key, value, expectedPath) => {
    const problems = problemsWith(key, value);
    expect(paths(problems)).toEqual([expectedPath]);
    expect(problems[0]?.message).not.toBe('');
  });

  it('says "is required" for a missing required key', () => {
    expect(problemsWith(`${P}.clusterY.version`, DELETE)).toEqual([
      { path: `${P}.clusterY.version`, message: 'is required' },
    ]);
  });

  it('asks for quotes when YAML turned a version into a number', () => {
    const problems = configProblems(() =>
      parseConfigText(
        DESIGN_EXAMPLE_YAML.replace('version: 3.9.1', 'version: 3.10'),
        DESIGN_EXAMPLE_ENV,
        'design.yaml',
      ),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/quotes/);
  });

  it('rejects bad environment names and an empty environments map', () => {
    const base = minimalConfigObject();
    const prod = (base.environments as Record<string, unknown>).prod;
    for (const name of ['Prod', '1prod', 'prod_eu', 'p'.repeat(32)]) {
      const problems = problemsOfObject({ ...base, environments: { [name]: prod } });
      expect(paths(problems)).toEqual([`environments.${name}`]);
    }
    expect(
      parseConfigObject({ ...base, environments: { 'eu-west-2': prod } }).environments['eu-west-2'],
    ).toBeDefined();
    expect(paths(problemsOfObject({ ...base, environments: {} }))).toEqual(['environments']);
  });

  it('needs at least one approver or approver group', () => {
    const problems = problemsWith('approvals', { approvers: [], approverGroups: [] });
    expect(paths(problems)).toEqual(['approvals.approvers']);
    expect(problems[0]?.hint).toMatch(/approverGroups/);
    expect(
      parseConfigObject(withConfigKey(minimalConfigObject(), 'approvals', { approverGroups: ['S0CCC'] }))
        .approvals.approvers,
    ).toEqual([]);
  });

  it('needs the section of the chosen router', () => {
    for (const kind of ['kubernetes-gateway', 'kong-upstream', 'webhook']) {
      const problems = problemsWith(`${P}.traffic.router`, kind);
      expect(paths(problems)).toEqual([`${P}.traffic.${kind}`]);
      expect(problems[0]?.message).toBe(`is required because router is ${kind}`);
    }
    expect(paths(problemsWith(`${P}.traffic`, { router: 'nginx' }))).toEqual([`${P}.traffic.nginx`]);
    expect(paths(problemsWith(`${P}.traffic.router`, DELETE))).toEqual([`${P}.traffic.router`]);
  });

  it('suggests the closest router kind', () => {
    const [problem] = problemsWith(`${P}.traffic.router`, 'ngnix');
    expect(problem?.message).toContain('did you mean "nginx"?');
  });

  it('needs metrics.prometheus when the source is prometheus', () => {
    expect(paths(problemsWith(`${P}.metrics`, { source: 'prometheus' }))).toEqual([
      `${P}.metrics.prometheus`,
    ]);
    const ok = parseConfigObject(
      withConfigKey(minimalConfigObject(), `${P}.metrics`, {
        source: 'prometheus',
        prometheus: { url: 'http://prom:9090/', xSelector: '{cluster="x"}', ySelector: '{cluster="y"}' },
      }),
    );
    const metrics = ok.environments.prod?.metrics;
    expect(metrics?.source === 'prometheus' ? metrics.prometheus.url : undefined).toBe('http://prom:9090');
    expect(
      paths(
        problemsWith(`${P}.metrics`, {
          source: 'prometheus',
          prometheus: { url: 'http://p:9090', xSelector: 'cluster=x', ySelector: '{a="b"}' },
        }),
      ),
    ).toEqual([`${P}.metrics.prometheus.xSelector`]);
  });

  it('needs exactly one of deploy.commands and deploy.webhook', () => {
    const both = problemsWith(`${P}.deploy`, {
      commands: [['helm', 'upgrade', 'kong']],
      webhook: { url: 'https://ci.example/deploy', secret: 'abcd' },
    });
    expect(paths(both)).toEqual([`${P}.deploy.webhook`]);
    expect(paths(problemsWith(`${P}.deploy`, { timeoutSeconds: 60 }))).toEqual([`${P}.deploy.commands`]);
    expect(paths(problemsWith(`${P}.deploy`, { webhook: { url: 'file:///x', secret: '' } }))).toEqual([
      `${P}.deploy.webhook.url`,
      `${P}.deploy.webhook.secret`,
    ]);
  });

  it('never echoes a rejected value (it may be a secret)', () => {
    const secret = 'mysql://kong:hunter2-very-secret@db/kong';
    const problems = problemsWith(`${P}.clusterX.databaseUrl`, secret);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });
});

describe('unknown keys', () => {
  it('reports each unknown key at its path with a closest-match hint', () => {
    const base = minimalConfigObject();
    const prod = (base.environments as Record<string, Record<string, unknown>>).prod as Record<
      string,
      unknown
    >;
    const { traffic, ...rest } = prod;
    const problems = problemsOfObject({ ...base, environments: { prod: { ...rest, trafic: traffic } } });
    expect(problems).toContainEqual({
      path: `${P}.trafic`,
      message: 'unknown key; did you mean "traffic"?',
      hint: 'allowed here: clusterX, clusterY, backup, deploy, traffic, plan, metrics, smokeTests, changeWindows',
    });
    // The real key is then missing, and that is reported too.
    expect(paths(problems)).toContain(`${P}.traffic`);
  });

  it('finds unknown keys at every depth, inside lists and router sections', () => {
    let config = withConfigKey(minimalConfigObject(), 'approvals.fourEye', true);
    config = withConfigKey(config, `${P}.traffic.nginx.reloadCmd`, ['nginx']);
    config = withConfigKey(config, `${P}.clusterY.versoin`, '3.9.1');
    config = withConfigKey(config, 'extra', 1);
    config = withConfigKey(config, `${P}.smokeTests`, [
      { name: 'a', request: { path: '/' }, expect: { status: 200, body: 'x' } },
    ]);
    const problems = problemsOfObject(config);
    expect(problems.map((p) => `${p.path}: ${p.message}`).sort()).toEqual(
      [
        'approvals.fourEye: unknown key; did you mean "fourEyes"?',
        `${P}.traffic.nginx.reloadCmd: unknown key; did you mean "reloadCommand"?`,
        `${P}.clusterY.versoin: unknown key; did you mean "version"?`,
        'extra: unknown key',
        `${P}.smokeTests[0].expect.body: unknown key`,
      ].sort(),
    );
  });
});

describe('several problems at once', () => {
  it('lists every problem, not just the first', () => {
    let config = withConfigKey(minimalConfigObject(), 'approvals.approvers', []);
    config = withConfigKey(config, `${P}.clusterX.adminUrl`, 'nope');
    config = withConfigKey(config, `${P}.traffic.router`, 'webhook');
    config = withConfigKey(config, `${P}.plan.steps`, [50, 10]);
    config = withConfigKey(config, `${P}.metrics.source`, 'prometheus');
    config = withConfigKey(config, `${P}.deploy.webhook`, { url: 'https://ci/x', secret: 'abcd' });
    config = withConfigKey(config, `${P}.bogus`, true);
    expect(paths(problemsOfObject(config)).sort()).toEqual(
      [
        'approvals.approvers',
        `${P}.clusterX.adminUrl`,
        `${P}.traffic.webhook`,
        `${P}.plan.steps`,
        `${P}.metrics.prometheus`,
        `${P}.deploy.webhook`,
        `${P}.bogus`,
      ].sort(),
    );
  });
});
