import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load-config.js';
import { AppError } from '../../src/errors.js';
import { configProblems, DESIGN_EXAMPLE_ENV, DESIGN_EXAMPLE_YAML } from '../support/config-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kub-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('loadConfig', () => {
  it('reads, interpolates and validates a file', async () => {
    const path = join(dir, 'ok.yaml');
    await writeFile(path, DESIGN_EXAMPLE_YAML);
    const config = await loadConfig({ path, env: DESIGN_EXAMPLE_ENV });
    expect(config.environments.prod?.clusterX.adminToken).toBe(DESIGN_EXAMPLE_ENV.KONG_X_ADMIN_TOKEN);
  });

  it('accepts the commented example file at the repository root', async () => {
    const config = await loadConfig({ path: 'kong-upgrade.example.yaml', env: DESIGN_EXAMPLE_ENV });
    expect(Object.keys(config.environments)).toEqual(['prod']);
    expect(config.environments.prod?.traffic.router).toBe('nginx');
  });

  it('names the path and KONG_UPGRADE_CONFIG when the file is missing', async () => {
    const path = join(dir, 'nope.yaml');
    const error = await rejection(loadConfig({ path, env: {} }));
    expect(error.code).toBe('E_CONFIG_INVALID');
    expect(error.message).toContain(path);
    expect(error.message).toContain('KONG_UPGRADE_CONFIG');
    expect(error.details.problems).toEqual([
      expect.objectContaining({ path, message: 'config file not found' }),
    ]);
  });

  it('says so when the path is a directory', async () => {
    const error = await rejection(loadConfig({ path: dir, env: {} }));
    expect(error.details.problems).toEqual([
      expect.objectContaining({ message: 'is a directory, not a config file' }),
    ]);
  });

  it('lists every problem in the error message and details', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(
      path,
      DESIGN_EXAMPLE_YAML.replace('router: nginx', 'router: ngnix').replace('jobs: 4', 'jobs: 0'),
    );
    const error = await rejection(loadConfig({ path, env: DESIGN_EXAMPLE_ENV }));
    expect(error.code).toBe('E_CONFIG_INVALID');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/has 2 problems/);
    expect(error.message).toContain('  - environments.prod.traffic.router: must be one of');
    expect(error.message).toContain('  - environments.prod.backup.jobs: must be at least 1');
  });
});

describe('parseConfigText', () => {
  it('reports YAML syntax errors with line and column', () => {
    const problems = configProblems(() =>
      parseConfigText('slack:\n  channel: [C01\napprovals: {}\n', {}, 'cfg.yaml'),
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.path).toMatch(/^cfg\.yaml:\d+:\d+$/);
    expect(problems[0]?.message).toMatch(/^YAML syntax error at line \d+, column \d+: /);
  });

  it('reports duplicate keys as YAML errors at their line', () => {
    const problems = configProblems(() => parseConfigText('slack: {}\nslack: {}\n', {}, 'cfg.yaml'));
    expect(problems[0]?.path).toBe('cfg.yaml:2:1');
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(configProblems(() => parseConfigText('# nothing\n', {}, 'e.yaml'))).toEqual([
      expect.objectContaining({ path: '(top level)', message: 'the file is empty' }),
    ]);
    expect(configProblems(() => parseConfigText('- a\n- b\n', {}, 'l.yaml'))).toEqual([
      { path: '(top level)', message: 'must be a mapping of keys to values, not a list' },
    ]);
  });

  it('reports a missing variable once, not again as a bad value', () => {
    const env = { ...DESIGN_EXAMPLE_ENV };
    delete env.KONG_X_DATABASE_URL;
    const problems = configProblems(() => parseConfigText(DESIGN_EXAMPLE_YAML, env, 'd.yaml'));
    expect(problems).toEqual([
      {
        path: 'environments.prod.clusterX.databaseUrl',
        message: 'environment variable KONG_X_DATABASE_URL is not set',
        hint: "set KONG_X_DATABASE_URL in the bot's environment, or remove the reference",
      },
    ]);
  });

  it('reports missing variables together with schema problems', () => {
    const problems = configProblems(() =>
      parseConfigText(DESIGN_EXAMPLE_YAML.replace('fourEyes: true', 'fourEyes: maybe'), {}, 'd.yaml'),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'environments.prod.clusterX.adminToken',
      'environments.prod.clusterX.databaseUrl',
      'environments.prod.clusterY.databaseUrl',
      'environments.prod.smokeTests[1].request.headers.apikey',
      'approvals.fourEyes',
    ]);
  });

  it('validates the interpolated value, not the variable reference', () => {
    const env = { ...DESIGN_EXAMPLE_ENV, KONG_Y_DATABASE_URL: 'http://not-postgres' };
    expect(
      configProblems(() => parseConfigText(DESIGN_EXAMPLE_YAML, env, 'd.yaml')).map((p) => p.path),
    ).toEqual(['environments.prod.clusterY.databaseUrl']);
  });

  it('guards against alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    for (const name of 'cdefg')
      bomb.push(
        `${name}: &${name} [${Array(10)
          .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    const problems = configProblems(() => parseConfigText(`${bomb.join('\n')}\n`, {}, 'bomb.yaml'));
    expect(problems[0]?.message).toMatch(/YAML could not be read/);
  });
});
