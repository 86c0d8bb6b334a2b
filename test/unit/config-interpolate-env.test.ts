// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config values written with the ${VAR} syntax under test
import { describe, expect, it } from 'vitest';
import { interpolateEnv } from '../../src/config/interpolate-env.js';

describe('interpolateEnv', () => {
  it('replaces ${VAR} in every string value, at any depth, leaving keys and non-strings alone', () => {
    const result = interpolateEnv(
      { a: 'x-${A}-y', list: ['${B}', 3, true, null], nested: { '${A}': '${A}${B}' } },
      { A: 'one', B: 'two' },
    );
    expect(result.problems).toEqual([]);
    expect(result.value).toEqual({
      a: 'x-one-y',
      list: ['two', 3, true, null],
      nested: { '${A}': 'onetwo' },
    });
  });

  it('keeps an empty variable as an empty string (it is set)', () => {
    expect(interpolateEnv({ a: '<${E}>' }, { E: '' })).toEqual({
      value: { a: '<>' },
      problems: [],
      substituted: [''],
    });
  });

  it('reports a missing variable with the key path and the variable name', () => {
    const result = interpolateEnv(
      {
        environments: { prod: { clusterX: { databaseUrl: '${KONG_X_DATABASE_URL}' } } },
        s: [{ h: '${MISSING}' }],
      },
      {},
    );
    expect(result.problems).toEqual([
      {
        path: 'environments.prod.clusterX.databaseUrl',
        message: 'environment variable KONG_X_DATABASE_URL is not set',
        hint: "set KONG_X_DATABASE_URL in the bot's environment, or remove the reference",
      },
      expect.objectContaining({ path: 's[0].h', message: 'environment variable MISSING is not set' }),
    ]);
  });

  it('reports every missing variable in one string', () => {
    const result = interpolateEnv({ a: '${ONE}:${TWO}' }, {});
    expect(result.problems.map((p) => p.message)).toEqual([
      'environment variable ONE is not set',
      'environment variable TWO is not set',
    ]);
  });

  it('treats $${ as a literal ${ and does not look the name up', () => {
    const result = interpolateEnv({ a: 'cost $${PRICE} and ${A}', b: '$$${A}' }, { A: 'v' });
    expect(result).toEqual({
      value: { a: 'cost ${PRICE} and v', b: '$${A}' },
      problems: [],
      substituted: ['v'],
    });
  });

  it('leaves a lone $ and braces without $ untouched', () => {
    expect(interpolateEnv({ a: 'p$ss {x} $A' }, {}).value).toEqual({ a: 'p$ss {x} $A' });
  });

  it('reports an unclosed ${ and an invalid variable name', () => {
    const result = interpolateEnv({ a: 'x ${OPEN', b: '${not-a-name}', c: '${}' }, {});
    expect(result.problems.map((p) => p.path)).toEqual(['a', 'b', 'c']);
    expect(result.problems[0]?.message).toMatch(/not closed/);
    expect(result.problems[1]?.message).toMatch(/not an environment variable reference/);
  });

  it('does not read inherited properties as variables', () => {
    expect(interpolateEnv({ a: '${constructor}' }, {}).problems.map((p) => p.message)).toEqual([
      'environment variable constructor is not set',
    ]);
    const env = Object.create({ INHERITED: 'no' }) as Record<string, string>;
    expect(interpolateEnv({ a: '${INHERITED}' }, env).problems).toHaveLength(1);
  });
});
