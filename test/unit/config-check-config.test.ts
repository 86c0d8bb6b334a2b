import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/check-config.js';
import { formatConfigProblems } from '../../src/config/format-config-problems.js';
import { DESIGN_EXAMPLE_ENV, DESIGN_EXAMPLE_YAML } from '../support/config-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kub-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('formatConfigProblems', () => {
  it('prints one line per problem with its path, message and hint', () => {
    expect(
      formatConfigProblems([
        { path: 'a.b', message: 'is required' },
        { path: 'c', message: 'unknown key', hint: 'allowed here: d' },
      ]),
    ).toBe('  - a.b: is required\n  - c: unknown key (allowed here: d)');
  });
});

describe('checkConfig', () => {
  it('summarizes a valid file without printing any secret or URL', async () => {
    const path = join(dir, 'ok.yaml');
    await writeFile(path, DESIGN_EXAMPLE_YAML);
    const result = await checkConfig(path, DESIGN_EXAMPLE_ENV);
    expect(result.ok).toBe(true);
    expect(result.output).toContain(`${path} is valid.`);
    expect(result.output).toContain('2 approvers, 1 approver group, four-eyes on, gates expire after 60 min');
    expect(result.output).toContain(
      '- prod: Y version 3.9.1, router nginx, metrics kong, steps 5, 25, 50, 100',
    );
    for (const value of Object.values(DESIGN_EXAMPLE_ENV)) expect(result.output).not.toContain(value);
    expect(result.output).not.toContain('http');
  });

  it('lists every problem with its key path and hint', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(
      path,
      DESIGN_EXAMPLE_YAML.replace('traffic:', 'trafic:').replace(
        'approvers: [U0AAA, U0BBB]',
        'approvers: [bob]',
      ),
    );
    const result = await checkConfig(path, DESIGN_EXAMPLE_ENV);
    expect(result.ok).toBe(false);
    const lines = result.output.split('\n');
    expect(lines[0]).toBe(`${path} has 3 problems; the bot will not start with it:`);
    expect(lines.slice(1).sort()).toEqual(
      [
        '  - approvals.approvers[0]: must be a Slack user ID such as U0123ABCD',
        '  - environments.prod.traffic: is required',
        '  - environments.prod.trafic: unknown key; did you mean "traffic"? (allowed here: clusterX, clusterY, backup, deploy, traffic, plan, metrics, smokeTests, changeWindows)',
      ].sort(),
    );
  });

  it('reports a missing file as a problem, not a crash', async () => {
    const result = await checkConfig(join(dir, 'missing.yaml'), {});
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/config file not found \(set KONG_UPGRADE_CONFIG/);
  });
});
