import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { collectSecretValues, maskUrl } from '../../src/config/secrets.js';
import {
  DESIGN_EXAMPLE_ENV,
  DESIGN_EXAMPLE_YAML,
  minimalConfigObject,
  parseConfigObject,
  withConfigKey,
} from '../support/config-fixtures.js';

describe('maskUrl', () => {
  it.each([
    ['postgres://kong:s3cret@db:5432/kong', 'postgres://kong:****@db:5432/kong'],
    ['postgresql://kong:p%40ss@db/kong?sslmode=require', 'postgresql://kong:****@db/kong?sslmode=require'],
    ['https://user:pw@ci.example/deploy', 'https://user:****@ci.example/deploy'],
    ['redis://:redispw@redis:6379', 'redis://:****@redis:6379'],
    ['postgres://db/kong?password=abc&sslmode=disable', 'postgres://db/kong?password=****&sslmode=disable'],
    ['http://prom:9090/api?token=t0k', 'http://prom:9090/api?token=****'],
  ])('masks %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it.each(['postgres://kong@db:5432/kong', 'http://kong-x-admin:8001', 'https://slack.com/api/'])(
    'leaves %s without credentials unchanged',
    (url) => {
      expect(maskUrl(url)).toBe(url);
    },
  );

  it('masks unparsable input entirely when it looks like it carries credentials', () => {
    expect(maskUrl('kong:s3cret@db:5432/kong')).toBe('****');
    expect(maskUrl('host=db user=kong password=s3cret')).toBe('****');
    expect(maskUrl('not a url')).toBe('not a url');
  });

  it('masks a password containing @ that was not percent-encoded', () => {
    const masked = maskUrl('postgres://kong:p@ss@db/kong');
    expect(masked).not.toContain('p@ss');
    expect(masked).toContain('****');
  });
});

describe('collectSecretValues', () => {
  it('collects tokens, passwords, webhook secrets and smoke-test headers from config and env', () => {
    const config = parseConfigText(DESIGN_EXAMPLE_YAML, DESIGN_EXAMPLE_ENV, 'd.yaml');
    const values = collectSecretValues(config, {
      SLACK_BOT_TOKEN: 'xoxb-bot-token',
      SLACK_APP_TOKEN: 'xapp-app-token',
      SLACK_SIGNING_SECRET: 'signing-secret',
      DATABASE_URL: 'postgres://bot:bot%2Fpw@db/bot',
      REDIS_URL: 'redis://:redis-pw@r:6379',
    });
    expect(new Set(values)).toEqual(
      new Set([
        'xoxb-bot-token',
        'xapp-app-token',
        'signing-secret',
        'bot%2Fpw',
        'bot/pw',
        'redis-pw',
        'kx-admin-token-123',
        'x-db-secret',
        'y-db-secret',
        'smoke-key-456',
      ]),
    );
    expect(values.map((v) => v.length)).toEqual([...values.map((v) => v.length)].sort((a, b) => b - a));
  });

  it('collects router and deploy webhook secrets and the front Kong token', () => {
    let object = withConfigKey(minimalConfigObject(), 'environments.prod.deploy', {
      webhook: { url: 'https://ci.example/deploy', secret: 'deploy-hmac-key' },
    });
    object = withConfigKey(object, 'environments.prod.traffic.webhook', {
      url: 'https://lb/w',
      secret: 'router-hmac-key',
    });
    object = withConfigKey(object, 'environments.prod.traffic.kong-upstream', {
      adminUrl: 'http://front:8001',
      adminToken: 'front-admin-token',
      upstream: 'u',
      xTarget: 'x:8000',
      yTarget: 'y:8000',
    });
    const values = collectSecretValues(parseConfigObject(object), {});
    expect(values).toEqual(
      expect.arrayContaining(['deploy-hmac-key', 'router-hmac-key', 'front-admin-token']),
    );
  });

  it('works without a config and skips values too short to redact safely', () => {
    expect(
      collectSecretValues(undefined, { SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 'abc' }),
    ).toEqual(['xoxb-t']);
  });
});
