// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values here use the ${VAR} syntax on purpose
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDeployJob } from '../../jobs/deploy.js';
import { createLogger } from '../../src/app/create-logger.js';
import { spawnPgTool } from '../../src/backup/spawn-pg-tool.js';
import type { EnvironmentConfig } from '../../src/config/environment-schema.js';
import { collectSecretValues } from '../../src/config/secrets.js';
import { describePlan } from '../../src/engine/describe-plan.js';
import type { EngineDeps } from '../../src/engine/engine-deps.js';
import type { JobContext } from '../../src/engine/job-definition.js';
import { createProgressReporter } from '../../src/engine/progress-reporter.js';
import { isAppError } from '../../src/errors.js';
import type { Notifier, SlackMessage } from '../../src/slack/notifier.js';
import { buildRun } from '../support/build-run.js';
import { minimalConfigObject, parseConfigObject, withConfigKey } from '../support/config-fixtures.js';

/**
 * docs/contract.md#clarifications "Child environments": a deploy command sees only PATH, HOME, locale, TZ, Y's KONG_PG_*
 * and what `deploy.env` names; pg_dump/pg_restore only PATH, HOME, locale and their own PG* settings.
 * And every value a `${VAR}` reference put into the config is a secret, wherever the command is shown.
 */
const NODE = process.execPath;
const HELM_TOKEN = 'helm-token-f00d-c0ffee';
const REPO_PASSWORD = 'repo-pass-1234567';
const Y_PASSWORD = 'y-db-secret-pw';

// What the worker has: its own credentials, cluster secrets, stray PG* settings, cloud keys.
const WORKER_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/home/kub',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  SLACK_BOT_TOKEN: 'xoxb-worker-token',
  SLACK_SIGNING_SECRET: 'signing-secret-worker',
  DATABASE_URL: 'postgres://bot:botpw@db/bot',
  REDIS_URL: 'redis://:redispw@redis:6379',
  KONG_X_ADMIN_TOKEN: 'x-admin-token-abc',
  PGHOST: 'somewhere-else.example',
  PGPASSWORD: 'stray-pg-password',
  KONG_PG_HOST: 'stale-host',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-xyz',
  HELM_TOKEN,
  HELM_REPO_PASSWORD: REPO_PASSWORD,
  KUBECONFIG: '/home/kub/.kube/config',
};

// Prints its environment's names, the reversed value of one named variable (so the scrubber cannot
// hide whether it arrived), and its arguments.
const PRINT_ENV = `console.log("KEYS " + Object.keys(process.env).sort().join(",")); console.log("REPO " + [...(process.env.HELM_REPO_PASSWORD ?? "")].reverse().join("")); console.log("ARGS " + process.argv.slice(1).join(" ")); process.exit(3)`;

function recordingNotifier() {
  const posts: SlackMessage[] = [];
  const updates: SlackMessage[] = [];
  const notifier: Notifier = {
    async post(m) {
      posts.push(m);
      return { ts: `1700000000.${String(posts.length).padStart(6, '0')}`, channel: m.channel };
    },
    async update(m) {
      updates.push(m);
    },
    async ephemeral() {},
    async upload() {},
  };
  return { notifier, posts, updates };
}

function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_t, prop) {
      throw new Error(`the deploy job must not use ${name}.${String(prop)}`);
    },
  });
}

function loadConfig() {
  let config = withConfigKey(
    minimalConfigObject(),
    'environments.prod.clusterY.adminUrl',
    'http://127.0.0.1:9',
  );
  config = withConfigKey(
    config,
    'environments.prod.clusterY.databaseUrl',
    `postgres://kong:${Y_PASSWORD}@y-db:5432/kong_y`,
  );
  config = withConfigKey(config, 'environments.prod.clusterX.adminToken', '${KONG_X_ADMIN_TOKEN}');
  config = withConfigKey(config, 'environments.prod.deploy', {
    commands: [[NODE, '-e', PRINT_ENV, 'upgrade', '--set', 'auth.token=${HELM_TOKEN}']],
    env: ['HELM_REPO_PASSWORD', 'KUBECONFIG', 'NOT_SET_ANYWHERE'],
    timeoutSeconds: 30,
  });
  return parseConfigObject(config, WORKER_ENV);
}

describe('child environments and interpolated secrets', () => {
  const logs: string[] = [];
  let failure: unknown;
  let posts: SlackMessage[];
  let updates: SlackMessage[];
  let config: ReturnType<typeof loadConfig>;

  beforeAll(async () => {
    config = loadConfig();
    const recorded = recordingNotifier();
    posts = recorded.posts;
    updates = recorded.updates;
    const sink = new Writable({
      write(chunk, _e, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'debug', secrets: collectSecretValues(config, {}), destination: sink });
    const run = buildRun({ phase: 'deploy', channel: 'C0ENV', threadTs: '1700000000.000100' });
    const deps: EngineDeps = {
      store: unused('store'),
      leases: unused('leases'),
      queue: unused('queue'),
      notifier: recorded.notifier,
      config,
      log,
      now: () => new Date(),
    };
    const ctx: JobContext = {
      run,
      env: config.environments.prod as EnvironmentConfig,
      payload: { v: 1, runId: run.id },
      deps,
      signal: new AbortController().signal,
      shutdown: new AbortController().signal,
      log,
      progress: createProgressReporter({
        notifier: recorded.notifier,
        channel: run.channel,
        threadTs: run.threadTs,
        title: 'Deploy',
      }),
    };
    const job = createDeployJob({ pollIntervalMs: 50, minWaitMs: 100, baseEnv: () => WORKER_ENV });
    try {
      await job.run(ctx);
    } catch (err) {
      failure = err;
    }
  }, 30_000);

  function output(): string {
    const post = posts.find((p) => /^KEYS /m.test(p.text));
    return post?.text ?? '';
  }

  it('a deploy command sees only the allowlist, Y’s KONG_PG_* and the names in deploy.env', () => {
    const keys = /^KEYS ([A-Za-z0-9_,]+)$/m.exec(output())?.[1]?.split(',') ?? [];
    expect(keys.length).toBeGreaterThan(0);
    const allowed = new Set(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'HELM_REPO_PASSWORD', 'KUBECONFIG']);
    // Node itself may add nothing; anything else came from the worker and must not be there.
    const unexpected = keys.filter(
      (k) => !allowed.has(k) && !k.startsWith('KONG_PG_') && k !== 'KONG_DATABASE',
    );
    expect(unexpected).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining(['PATH', 'HOME', 'KONG_PG_HOST', 'KONG_PG_PASSWORD']));
    // The named variable arrived with its value, and Y's settings won over a stale KONG_PG_HOST.
    expect(output()).toContain(`REPO ${[...REPO_PASSWORD].reverse().join('')}`);
    expect(keys).not.toContain('NOT_SET_ANYWHERE');
  });

  it('pg tools see only PATH, HOME, locale, TZ and their own PG* settings', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, WORKER_ENV);
    try {
      const result = await spawnPgTool({
        command: NODE,
        args: ['-e', 'console.log(Object.keys(process.env).sort().join(","))'],
        env: { PGPASSWORD: 'own-password', PGAPPNAME: 'kub' },
        captureStdout: true,
      });
      const keys = result.stdout.trim().split(',');
      expect(keys.sort()).toEqual(['HOME', 'LANG', 'LC_ALL', 'PATH', 'PGAPPNAME', 'PGPASSWORD', 'TZ']);
    } finally {
      for (const key of Object.keys(WORKER_ENV)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('an interpolated value never appears: step output, progress, error, logs, dry-run plan', () => {
    expect(output()).toContain('ARGS');
    expect(isAppError(failure)).toBe(true);
    const err = failure as Error & { details?: unknown };
    const plan = describePlan(buildRun(), config.environments.prod as EnvironmentConfig, {
      describe: () => 'weights',
    }).join('\n');
    expect(plan).toContain('auth.token=****');
    const everything = JSON.stringify({
      posts,
      updates,
      message: err.message,
      details: err.details,
      logs,
      plan,
    });
    for (const secret of [HELM_TOKEN, REPO_PASSWORD, Y_PASSWORD, 'x-admin-token-abc']) {
      expect(everything).not.toContain(secret);
    }
    // The secret was really on the command line (shown masked), so the check above is not vacuous.
    expect(output()).toContain('auth.token=****');
    expect(collectSecretValues(config, {})).toEqual(expect.arrayContaining([HELM_TOKEN, REPO_PASSWORD]));
  });

  it('deploy.env refuses bad names and the bot’s own credentials', () => {
    const bad = withConfigKey(minimalConfigObject(), 'environments.prod.deploy.env', [
      'SLACK_BOT_TOKEN',
      'A-B',
    ]);
    expect(() => parseConfigObject(bad)).toThrow(/deploy\.env\[0\][\s\S]*credentials[\s\S]*deploy\.env\[1\]/);
  });
});

describe('router commands (nginx test and reload)', () => {
  it('never see the bot’s own credentials', async () => {
    const { runArgv } = await import('../../src/traffic/run-argv.js');
    const saved = { ...process.env };
    Object.assign(process.env, {
      SLACK_BOT_TOKEN: 'xoxb-router-test',
      DATABASE_URL: 'postgres://a:b@c/d',
      KUBECONFIG: '/k',
    });
    try {
      const result = await runArgv([NODE, '-e', 'console.log(Object.keys(process.env).join(","))'], {
        timeoutMs: 10_000,
      });
      const keys = result.stdout.trim().split(',');
      expect(keys).toContain('KUBECONFIG');
      expect(keys).not.toContain('SLACK_BOT_TOKEN');
      expect(keys).not.toContain('DATABASE_URL');
    } finally {
      for (const key of ['SLACK_BOT_TOKEN', 'DATABASE_URL', 'KUBECONFIG'])
        if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
