import { describe, expect, it } from 'vitest';
import { changeWindowsFor } from '../../src/config/change-windows-schema.js';
import {
  minimalConfigObject,
  parseConfigObject,
  problemsOfObject,
  withConfigKey,
} from '../support/config-fixtures.js';

const P = 'environments.prod';

describe('changeWindows in the config', () => {
  it('names every bad key at once: to before from, unknown day, bad timezone, bad blackout', () => {
    const problems = problemsOfObject(
      withConfigKey(minimalConfigObject(), 'changeWindows', {
        timezone: 'Mars/Olympus',
        allow: [
          { days: ['mon', 'funday'], from: '09:00', to: '17:00' },
          { days: ['tue'], from: '17:00', to: '09:00' },
          { days: ['wed'], from: '9am', to: '25:00' },
        ],
        blackouts: [
          { from: '2026-12-20', to: '2026-12-01', reason: 'x' },
          { from: '2026-02-30', to: '2026-03-01' },
        ],
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'changeWindows.timezone',
        'changeWindows.allow[0].days[1]',
        'changeWindows.allow[1].to',
        'changeWindows.allow[2].from',
        'changeWindows.allow[2].to',
        'changeWindows.blackouts[0].to',
        'changeWindows.blackouts[1].from',
      ].sort(),
    );
    for (const p of problems) expect(p.message).not.toBe('');
    expect(problems.find((p) => p.path === 'changeWindows.allow[1].to')?.message).toMatch(/after from/);
    expect(problems.find((p) => p.path === 'changeWindows.timezone')?.message).toMatch(/timezone/);
  });

  it('checks the windows of an environment as well', () => {
    const problems = problemsOfObject(
      withConfigKey(minimalConfigObject(), `${P}.changeWindows`, {
        allow: [{ days: ['someday'], from: '09:00', to: '10:00' }],
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([`${P}.changeWindows.allow[0].days[0]`]);
  });

  it('defaults the timezone to UTC and the lists to empty; the environment wins', () => {
    const top = { blackouts: [{ from: '2026-12-20', to: '2027-01-04' }] };
    const own = { timezone: 'Europe/Berlin', allow: [{ days: ['mon'], from: '09:00', to: '24:00' }] };
    const config = parseConfigObject(
      withConfigKey(withConfigKey(minimalConfigObject(), 'changeWindows', top), `${P}.changeWindows`, own),
    );
    expect(config.changeWindows).toEqual({ timezone: 'UTC', allow: [], blackouts: top.blackouts });
    expect(changeWindowsFor(config, config.environments.prod)).toEqual({ ...own, blackouts: [] });
    const plain = parseConfigObject(withConfigKey(minimalConfigObject(), 'changeWindows', top));
    expect(changeWindowsFor(plain, plain.environments.prod)?.blackouts).toEqual(top.blackouts);
    expect(parseConfigObject(minimalConfigObject()).changeWindows).toBeUndefined();
  });
});

describe('approvals.reasonRequired in the config', () => {
  it('takes reject and rollback, and names an unknown or repeated action', () => {
    const ok = parseConfigObject(
      withConfigKey(minimalConfigObject(), 'approvals.reasonRequired', ['rollback', 'reject']),
    );
    expect(ok.approvals.reasonRequired).toEqual(['rollback', 'reject']);
    const problems = problemsOfObject(
      withConfigKey(minimalConfigObject(), 'approvals.reasonRequired', ['reject', 'approve']),
    );
    expect(problems.map((p) => p.path)).toEqual(['approvals.reasonRequired[1]']);
    const twice = problemsOfObject(
      withConfigKey(minimalConfigObject(), 'approvals.reasonRequired', ['reject', 'reject']),
    );
    expect(twice.map((p) => [p.path, p.message])).toEqual([
      ['approvals.reasonRequired', expect.stringMatching(/twice/)],
    ]);
  });
});
