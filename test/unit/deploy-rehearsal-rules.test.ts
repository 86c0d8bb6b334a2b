import { describe, expect, it } from 'vitest';
import { rehearsalChildEnv } from '../../src/deploy/rehearsal-child-env.js';
import { isRehearsalDatabaseName, rehearsalDatabaseName } from '../../src/deploy/rehearsal-database-name.js';
import { suggestMigrationTimeouts } from '../../src/deploy/suggest-migration-timeouts.js';
import { describePlan } from '../../src/engine/describe-plan.js';
import { buildRun } from '../support/build-run.js';
import {
  configProblems,
  minimalConfigObject,
  parseConfigObject,
  withConfigKey,
} from '../support/config-fixtures.js';

describe('rehearsal database names', () => {
  it('are safe identifiers under 63 bytes that the reconciler recognises, unlike lookalikes', () => {
    const name = rehearsalDatabaseName('Prod-7');
    expect(name).toMatch(/^kub_rehearsal_prod_7_[0-9a-f]{8}$/);
    expect(isRehearsalDatabaseName(name)).toBe(true);
    const long = rehearsalDatabaseName(`${'x'.repeat(80)}-1`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(isRehearsalDatabaseName(long)).toBe(true);
    expect(rehearsalDatabaseName('prod-7')).not.toBe(rehearsalDatabaseName('prod-8'));
    for (const lookalike of [
      'kub_rehearsal_prod_7',
      'kub_rehearsal_like_0a1b2c3d4e5f',
      `${name.slice(0, -1)}0`,
      'kong',
    ])
      expect(isRehearsalDatabaseName(lookalike)).toBe(false);
  });
});

describe('suggestMigrationTimeouts', () => {
  it.each([
    [[], 60, 60],
    [[1200, 800], 60, 60],
    [[40_000], 120, 80],
    [[200_000, 100_000], 600, 600],
    [[30 * 60_000], 5400, 3600],
  ])('steps %j ms → --db-timeout %i --lock-timeout %i', (steps, db, lock) => {
    expect(suggestMigrationTimeouts(steps)).toEqual({ dbTimeoutSeconds: db, lockTimeoutSeconds: lock });
  });
});

describe('rehearsalChildEnv', () => {
  it('keeps PATH, HOME, LANG, LC_*, TZ and the named variables, and points KONG_PG_* at the copy only', () => {
    const env = rehearsalChildEnv(
      {
        PATH: '/bin',
        HOME: '/h',
        LANG: 'C.UTF-8',
        LC_ALL: 'C',
        TZ: 'UTC',
        SLACK_BOT_TOKEN: 'xoxb-1',
        DATABASE_URL: 'postgres://bot',
        KONG_PG_HOST: 'real-y',
        KONG_PG_PASSWORD: 'real',
        HELM_TOKEN: 'h',
        OTHER: 'o',
      },
      'postgres://kong:pw@db:5432/kub_rehearsal_prod_7_00000000',
      ['HELM_TOKEN'],
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/h',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'UTC',
      HELM_TOKEN: 'h',
      KONG_DATABASE: 'postgres',
      KONG_PG_HOST: 'db',
      KONG_PG_PORT: '5432',
      KONG_PG_USER: 'kong',
      KONG_PG_PASSWORD: 'pw',
      KONG_PG_DATABASE: 'kub_rehearsal_prod_7_00000000',
    });
  });
});

describe('deploy.rehearsal config', () => {
  it('defaults the timeout to 900 s and refuses an empty command list or a shell string', async () => {
    const { rehearsalSchema } = await import('../../src/config/environment-schema.js');
    expect(rehearsalSchema.parse({ commands: [['kong', 'migrations', 'up', '--yes']] })).toEqual({
      commands: [['kong', 'migrations', 'up', '--yes']],
      timeoutSeconds: 900,
    });
    expect(rehearsalSchema.safeParse({ commands: [] }).error?.issues[0]?.message).toMatch(
      /at least one command/,
    );
    expect(rehearsalSchema.safeParse({ commands: ['kong migrations up'] }).success).toBe(false);
    expect(rehearsalSchema.safeParse({ commands: [['kong']], timeoutSeconds: 0 }).success).toBe(false);
    expect(rehearsalSchema.safeParse({ commands: [['kong']], extra: 1 }).success).toBe(false);
  });
});

describe('deploy.rehearsal in the config file and the --dry-run plan', () => {
  const router = { describe: () => 'set the weights' };
  it('the plan names the rehearsal before the deploy commands', () => {
    const config = parseConfigObject(
      withConfigKey(minimalConfigObject(), 'environments.prod.deploy.rehearsal', {
        commands: [['kong', 'migrations', 'up', '--yes', '--db-timeout', '120']],
        timeoutSeconds: 300,
      }),
    );
    const env = config.environments.prod;
    if (!env) throw new Error('no prod');
    const plan = describePlan(buildRun({ environment: 'prod' }), env, router).join('\n');
    expect(plan).toContain(
      "first rehearse on a scratch copy of Y's database (timeout 300 s, dropped afterwards): `kong migrations up --yes --db-timeout 120`; then `kong migrations up --yes`",
    );
    const plain = parseConfigObject(minimalConfigObject()).environments.prod;
    if (!plain) throw new Error('no prod');
    expect(describePlan(buildRun({ environment: 'prod' }), plain, router).join('\n')).not.toContain(
      'rehearse',
    );
  });

  it('a bad rehearsal is refused naming its key path', () => {
    const problems = configProblems(() =>
      parseConfigObject(
        withConfigKey(minimalConfigObject(), 'environments.prod.deploy.rehearsal', {
          commands: 'kong migrations up',
        }),
      ),
    );
    expect(problems.map((p) => p.path)).toContain('environments.prod.deploy.rehearsal.commands');
  });
});
