import { describe, expect, it } from 'vitest';
import { isSocketMode, loadEnv } from '../../src/config/load-env.js';

const BOT = 'xoxb-1-2-abc';
const SIGNING = 'signing-secret-0123';
const APP = 'xapp-1-A1-abc';

function problems(env: Record<string, string | undefined>, mode: Parameters<typeof loadEnv>[1]): string[] {
  const result = loadEnv(env, mode);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('loadEnv', () => {
  it('applies the docs/contract.md#environment defaults', () => {
    const result = loadEnv({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING }, 'start');
    expect(result).toEqual({
      ok: true,
      env: {
        SLACK_BOT_TOKEN: BOT,
        SLACK_SIGNING_SECRET: SIGNING,
        SLACK_API_URL: 'https://slack.com/api/',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/kong_upgrade',
        REDIS_URL: 'redis://127.0.0.1:6379',
        PORT: 3000,
        KONG_UPGRADE_CONFIG: './kong-upgrade.yaml',
        LOG_LEVEL: 'info',
        QUEUE_PREFIX: 'kub',
      },
    });
  });

  it('reads every variable and ignores unrelated ones', () => {
    const result = loadEnv(
      {
        SLACK_BOT_TOKEN: BOT,
        SLACK_APP_TOKEN: APP,
        SLACK_API_URL: 'http://127.0.0.1:4000/api',
        DATABASE_URL: 'postgresql://bot:pw@db:5432/bot',
        REDIS_URL: 'rediss://:pw@redis:6380',
        PORT: '0',
        KONG_UPGRADE_CONFIG: '/etc/kong-upgrade.yaml',
        LOG_LEVEL: 'debug',
        QUEUE_PREFIX: 'kub-prod_2',
        HOME: '/root',
      },
      'start',
    );
    expect(result.ok && result.env).toEqual({
      SLACK_BOT_TOKEN: BOT,
      SLACK_APP_TOKEN: APP,
      SLACK_API_URL: 'http://127.0.0.1:4000/api/',
      DATABASE_URL: 'postgresql://bot:pw@db:5432/bot',
      REDIS_URL: 'rediss://:pw@redis:6380',
      PORT: 0,
      KONG_UPGRADE_CONFIG: '/etc/kong-upgrade.yaml',
      LOG_LEVEL: 'debug',
      QUEUE_PREFIX: 'kub-prod_2',
    });
  });

  it('rejects a QUEUE_PREFIX with a colon (BullMQ key separator), naming the variable', () => {
    const result = loadEnv(
      { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING, QUEUE_PREFIX: 'a:b' },
      'start',
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toMatch(/^QUEUE_PREFIX must be/m);
  });

  it('treats empty and blank values as unset', () => {
    const result = loadEnv({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: ' ', PORT: '', LOG_LEVEL: '' }, 'start');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET is required/),
    ]);
    const worker = loadEnv({ SLACK_BOT_TOKEN: BOT, PORT: '', LOG_LEVEL: '' }, 'worker');
    expect(worker.ok && [worker.env.PORT, worker.env.LOG_LEVEL]).toEqual([3000, 'info']);
  });

  it('requires SLACK_BOT_TOKEN to start, with the fix in the message', () => {
    expect(problems({ SLACK_SIGNING_SECRET: SIGNING }, 'start')).toEqual([
      "SLACK_BOT_TOKEN is required to start the bot: set it to the bot token (xoxb-…) from your Slack app's OAuth & Permissions page",
    ]);
    expect(problems({}, 'worker')).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN is required to run workers/),
    ]);
  });

  it('requires SLACK_SIGNING_SECRET only in HTTP mode', () => {
    expect(problems({ SLACK_BOT_TOKEN: BOT }, 'start')).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET is required in HTTP mode: .*SLACK_APP_TOKEN/),
    ]);
    expect(loadEnv({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP }, 'start').ok).toBe(true);
    expect(loadEnv({ SLACK_BOT_TOKEN: BOT }, 'worker').ok).toBe(true);
  });

  it.each(['sandbox', 'migrate', 'check-config'] as const)('needs no Slack credentials for %s', (mode) => {
    expect(loadEnv({}, mode).ok).toBe(true);
  });

  it('reports every problem at once, naming each variable, without echoing values', () => {
    const list = problems(
      {
        SLACK_BOT_TOKEN: 'xoxp-user-token-secret',
        SLACK_APP_TOKEN: 'xoxb-wrong-kind-secret',
        SLACK_API_URL: 'slack.com/api',
        DATABASE_URL: 'mysql://root:hunter2@db/bot',
        REDIS_URL: 'http://redis:6379',
        PORT: '70000',
        LOG_LEVEL: 'verbose',
      },
      'start',
    );
    expect(list.map((p) => p.split(' ')[0])).toEqual([
      'SLACK_BOT_TOKEN',
      'SLACK_APP_TOKEN',
      'SLACK_API_URL',
      'DATABASE_URL',
      'REDIS_URL',
      'PORT',
      'LOG_LEVEL',
    ]);
    expect(list[0]).toMatch(/must start with xoxb-/);
    expect(list[1]).toMatch(/must start with xapp-/);
    expect(list[6]).toMatch(/fatal, error, warn, info, debug, trace, silent/);
    const text = list.join('\n');
    for (const secret of ['user-token-secret', 'wrong-kind-secret', 'hunter2'])
      expect(text).not.toContain(secret);
  });

  it.each(['-1', '3.5', 'abc', '65536', '1e3'])('rejects PORT=%s', (port) => {
    expect(problems({ PORT: port }, 'migrate')).toEqual([
      expect.stringMatching(/^PORT must be a whole number from 0 to 65535/),
    ]);
  });

  it('accepts PORT at both ends of the range', () => {
    for (const port of ['0', '65535']) expect(loadEnv({ PORT: port }, 'migrate').ok).toBe(true);
  });

  it('still reports a missing token when another variable is invalid', () => {
    expect(problems({ PORT: 'x' }, 'start').map((p) => p.split(' ')[0])).toEqual([
      'PORT',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
    ]);
  });

  it('tells Socket Mode from HTTP mode', () => {
    expect(isSocketMode({ SLACK_APP_TOKEN: APP })).toBe(true);
    expect(isSocketMode({})).toBe(false);
  });
});
