import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { collectSecretValues } from '../../src/config/secrets.js';
import {
  DESIGN_EXAMPLE_ENV,
  DESIGN_EXAMPLE_YAML,
  minimalConfigObject,
  parseConfigObject,
  withConfigKey,
} from '../support/config-fixtures.js';

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
        // Whole ${VAR} substitutions are secrets too.
        'postgres://kong:x-db-secret@kong-x-db:5432/kong',
        'postgres://kong:y-db-secret@kong-y-db:5432/kong',
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
