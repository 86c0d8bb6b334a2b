import { stringify } from 'yaml';
import type { ConfigProblem } from '../../src/config/config-problem.js';
import type { BotConfig } from '../../src/config/config-schema.js';
import { parseConfigText } from '../../src/config/load-config.js';
import { isAppError } from '../../src/errors.js';

/** docs/contract.md#config-file's example, verbatim. */
export const DESIGN_EXAMPLE_YAML = `slack:
  channel: C0123456789            # where run messages go (default: the channel of the command)
approvals:
  approvers: [U0AAA, U0BBB]        # Slack user IDs who may approve
  approverGroups: [S0CCC]          # user groups whose members may approve (usergroups.users.list)
  fourEyes: true                   # the one who started a run may not approve its traffic increases
  gateTimeoutMinutes: 60           # an unanswered gate expires: nothing changes, the message says so
environments:
  prod:
    clusterX:
      adminUrl: http://kong-x-admin:8001
      adminToken: \${KONG_X_ADMIN_TOKEN}   # optional, sent as the Kong-Admin-Token header
      proxyUrl: http://kong-x:8000
      metricsUrl: http://kong-x-status:8100/metrics   # default: adminUrl + /metrics
      databaseUrl: \${KONG_X_DATABASE_URL}
    clusterY:
      adminUrl: http://kong-y-admin:8001
      proxyUrl: http://kong-y:8000
      databaseUrl: \${KONG_Y_DATABASE_URL}
      version: 3.9.1                   # the version Y must report before traffic moves
    backup: { dir: /var/lib/kong-upgrade/backups, jobs: 4 }
    deploy:
      commands:                        # argv arrays, run in order, no shell
        - [kong, migrations, up, --yes]
        - [kong, migrations, finish, --yes]
      # or webhook: { url: https://ci.example/deploy, secret: \${DEPLOY_SECRET} }
      timeoutSeconds: 900
    traffic:
      router: nginx                    # nginx | kubernetes-gateway | kong-upstream | webhook
      nginx:
        upstreamFile: /etc/nginx/conf.d/kong-upgrade.conf
        upstreamName: kong
        xServer: kong-x:8000
        yServer: kong-y:8000
        testCommand: [nginx, -t]
        reloadCommand: [nginx, -s, reload]
      # kubernetes-gateway: { apiUrl, tokenFile, caFile, namespace, httpRoute, ruleIndex, xBackend, yBackend }
      # kong-upstream: { adminUrl, upstream, xTarget, yTarget }
      # webhook: { url, secret }  -> POST {"x":90,"y":10}; GET returns the same shape
    plan:
      steps: [5, 25, 50, 100]
      observeSeconds: 600              # least time at a step before the next gate is posted
    metrics:
      source: kong                     # kong = scrape both clusters' /metrics | prometheus
      prometheus: { url: http://prometheus:9090, xSelector: '{cluster="x"}', ySelector: '{cluster="y"}' }
      intervalSeconds: 60
      thresholds: { maxErrorRateIncrease: 0.005, maxP95LatencyRatio: 1.25, maxP99LatencyRatio: 1.5, minRequests: 200 }
    smokeTests:
      - name: key-auth rejects anonymous
        request: { method: GET, path: /orders }
        expect: { status: 401 }
      - name: key-auth accepts a valid key
        request: { method: GET, path: /orders, headers: { apikey: "\${SMOKE_APIKEY}" } }
        expect: { status: 200 }
`;

export const DESIGN_EXAMPLE_ENV: Record<string, string> = {
  KONG_X_ADMIN_TOKEN: 'kx-admin-token-123',
  KONG_X_DATABASE_URL: 'postgres://kong:x-db-secret@kong-x-db:5432/kong',
  KONG_Y_DATABASE_URL: 'postgres://kong:y-db-secret@kong-y-db:5432/kong',
  SMOKE_APIKEY: 'smoke-key-456',
};

/** The smallest valid config: only required keys, so every default applies. Mutate freely. */
export function minimalConfigObject(): Record<string, unknown> {
  return {
    approvals: { approvers: ['U0AAA'] },
    environments: {
      prod: {
        clusterX: {
          adminUrl: 'http://kong-x-admin:8001',
          proxyUrl: 'http://kong-x:8000',
          databaseUrl: 'postgres://kong@kong-x-db:5432/kong',
        },
        clusterY: {
          adminUrl: 'http://kong-y-admin:8001',
          proxyUrl: 'http://kong-y:8000',
          databaseUrl: 'postgres://kong@kong-y-db:5432/kong',
          version: '3.9.1',
        },
        backup: { dir: '/tmp/backups' },
        deploy: { commands: [['kong', 'migrations', 'up', '--yes']] },
        traffic: {
          router: 'nginx',
          nginx: {
            upstreamFile: '/etc/nginx/conf.d/kong-upgrade.conf',
            upstreamName: 'kong',
            xServer: 'kong-x:8000',
            yServer: 'kong-y:8000',
          },
        },
      },
    },
  };
}

const DELETE = Symbol('delete');

/**
 * A deep copy of `base` with the key at the dot path (`environments.prod.traffic.router`) set to `value`,
 * or removed when `value` is `withConfigKey.DELETE`. Missing objects on the way are created.
 */
export function withConfigKey(base: unknown, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return copy;
}
withConfigKey.DELETE = DELETE;

export function parseConfigObject(value: unknown, env: Record<string, string | undefined> = {}): BotConfig {
  return parseConfigText(stringify(value), env, 'test.yaml');
}

/** The problems a failing parse reports; throws when the parse unexpectedly succeeds. */
export function configProblems(parse: () => unknown): ConfigProblem[] {
  try {
    parse();
  } catch (error) {
    if (isAppError(error) && error.code === 'E_CONFIG_INVALID')
      return error.details.problems as ConfigProblem[];
    throw error;
  }
  throw new Error('expected the config to be rejected, but it was accepted');
}

export function problemsOfObject(
  value: unknown,
  env: Record<string, string | undefined> = {},
): ConfigProblem[] {
  return configProblems(() => parseConfigObject(value, env));
}
