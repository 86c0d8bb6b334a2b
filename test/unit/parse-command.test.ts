import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Command,
  parseCommand,
  parseRunRef,
  type RunRef,
  renderCommand,
} from '../../src/slack/parse-command.js';
import { allUsageLines, helpText, SUBCOMMANDS, usageLine } from '../../src/slack/usage.js';

const environments = ['prod', 'staging', 'eu-west-2'];
const parse = (text: string) => parseCommand(text, { environments });
const run = (environment: string, number: number): RunRef => ({
  id: `${environment}-${number}`,
  environment,
  number,
});

describe('parseCommand: good input', () => {
  const cases: Array<[string, Command]> = [
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP start', { kind: 'help' }],
    ['start prod', { kind: 'start', environment: 'prod', steps: null, dryRun: false }],
    ['Start PROD', { kind: 'start', environment: 'prod', steps: null, dryRun: false }],
    [
      'start prod --steps 5,25,50,100',
      { kind: 'start', environment: 'prod', steps: [5, 25, 50, 100], dryRun: false },
    ],
    ['start --dry-run staging', { kind: 'start', environment: 'staging', steps: null, dryRun: true }],
    [
      'start --steps=10,100 --dry-run eu-west-2',
      { kind: 'start', environment: 'eu-west-2', steps: [10, 100], dryRun: true },
    ],
    ['start prod --steps 100', { kind: 'start', environment: 'prod', steps: [100], dryRun: false }],
    // Slack autocorrect, smart quotes, spaces after commas, % signs, no-break spaces.
    [
      'start\u00a0prod \u2014steps \u201c5, 25%, 100\u201d \u2013dry-run',
      { kind: 'start', environment: 'prod', steps: [5, 25, 100], dryRun: true },
    ],
    ['status', { kind: 'status', run: null }],
    ['status prod-7', { kind: 'status', run: run('prod', 7) }],
    ['  STATUS   `Prod-7`  ', { kind: 'status', run: run('prod', 7) }],
    ['status eu-west-2-12', { kind: 'status', run: run('eu-west-2', 12) }],
    ['list', { kind: 'list' }],
    ['compare', { kind: 'compare', run: null }],
    ['compare staging-1', { kind: 'compare', run: run('staging', 1) }],
    ['shift prod-7 50', { kind: 'shift', run: run('prod', 7), percent: 50 }],
    ['shift prod-7 50%', { kind: 'shift', run: run('prod', 7), percent: 50 }],
    ['shift prod-7 100 %', { kind: 'shift', run: run('prod', 7), percent: 100 }],
    ['shift prod-7 1', { kind: 'shift', run: run('prod', 7), percent: 1 }],
    ['rollback prod-7', { kind: 'rollback', run: run('prod', 7) }],
    ['pause prod-7', { kind: 'pause', run: run('prod', 7) }],
    ['resume prod-7', { kind: 'resume', run: run('prod', 7) }],
    ['abort\tprod-2147483647', { kind: 'abort', run: run('prod', 2147483647) }],
    ['\u200bstatus prod-3\ufeff', { kind: 'status', run: run('prod', 3) }],
  ];
  it.each(cases)('%j', (text, command) => {
    expect(parse(text)).toEqual({ ok: true, command });
  });
});

describe('parseCommand: bad input', () => {
  const cases: Array<[string, RegExp, string]> = [
    ['stat', /^Unknown sub-command "stat"\. Did you mean "status"\?$/, allUsageLines()],
    ['shfit prod-7 5', /Did you mean "shift"\?/, allUsageLines()],
    ['deploy prod', /^Unknown sub-command "deploy"\. Type "help"/, allUsageLines()],
    ['st prod', /^Unknown sub-command "st"\. Type "help"/, allUsageLines()],
    [
      'start',
      /^start needs an environment\. Known environments: prod, staging, eu-west-2\.$/,
      usageLine('start'),
    ],
    [
      'start qa',
      /^Unknown environment "qa"\. Known environments: prod, staging, eu-west-2\.$/,
      usageLine('start'),
    ],
    ['start prod staging', /^Unexpected "staging": start takes one environment\.$/, usageLine('start')],
    ['start prod --force', /^Unknown option "--force"/, usageLine('start')],
    ['start prod --steps', /^--steps needs a list/, usageLine('start')],
    ['start prod --steps --dry-run', /^--steps needs a list/, usageLine('start')],
    ['start prod --steps=', /^--steps needs a list/, usageLine('start')],
    ['start prod --steps 5,25,50', /^--steps: the last step must be 100/, usageLine('start')],
    [
      'start prod --steps 50,25,100',
      /^--steps: steps must go strictly up, but 25 comes after 50\.$/,
      usageLine('start'),
    ],
    [
      'start prod --steps 50,50,100',
      /^--steps: steps must go strictly up, but 50 comes after 50\.$/,
      usageLine('start'),
    ],
    [
      'start prod --steps 0,100',
      /^--steps: every step must be a whole percent from 1 to 100, but 0 is not\.$/,
      usageLine('start'),
    ],
    ['start prod --steps 5,150', /but 150 is not/, usageLine('start')],
    ['start prod --steps 5,x,100', /^"x" is not a valid step/, usageLine('start')],
    ['start prod --steps 5,,100', /^"" is not a valid step/, usageLine('start')],
    ['start prod --steps 2.5,100', /^"2\.5" is not a valid step/, usageLine('start')],
    ['start prod --steps 10,100 --steps 100', /^--steps is given more than once\.$/, usageLine('start')],
    ['start prod --dry-run --dry-run', /^--dry-run is given more than once\.$/, usageLine('start')],
    ['start prod --dry-run=yes', /^Unknown option "--dry-run=yes"/, usageLine('start')],
    [
      'status prod7',
      /^"prod7" is not a run: use <environment>-<number>, e.g\. prod-7\.$/,
      usageLine('status'),
    ],
    ['status prod-07', /^"prod-07" is not a run/, usageLine('status')],
    ['status prod-0', /^"prod-0" is not a run/, usageLine('status')],
    ['status prod-2147483648', /^"prod-2147483648" is not a run/, usageLine('status')],
    ['status qa-3', /^Unknown environment "qa"\. Known environments/, usageLine('status')],
    ['status prod-7 extra', /^Unexpected "extra": status takes no more arguments\.$/, usageLine('status')],
    ['list all', /^Unexpected "all": list takes no more arguments\.$/, usageLine('list')],
    ['compare 7', /^"7" is not a run/, usageLine('compare')],
    [
      'shift prod-7 150',
      /^"150" is not a valid percent: use a whole number from 1 to 100\.$/,
      usageLine('shift'),
    ],
    ['shift prod-7 0', /^"0" is not a valid percent/, usageLine('shift')],
    ['shift prod-7 -5', /^"-5" is not a valid percent/, usageLine('shift')],
    ['shift prod-7 12.5', /^"12\.5" is not a valid percent/, usageLine('shift')],
    ['shift prod-7 half', /^"half" is not a valid percent/, usageLine('shift')],
    ['shift prod-7', /^shift needs a run and a percent, e.g\. shift prod-7 50\.$/, usageLine('shift')],
    ['shift 50 prod-7', /^"50" is not a run/, usageLine('shift')],
    ['shift prod-7 50 now', /^Unexpected "now"/, usageLine('shift')],
    ['rollback', /^rollback needs a run, e.g\. rollback prod-7\.$/, usageLine('rollback')],
    ['pause', /^pause needs a run/, usageLine('pause')],
    ['resume prod', /^"prod" is not a run/, usageLine('resume')],
    ['abort prod-1 prod-2', /^Unexpected "prod-2"/, usageLine('abort')],
  ];
  it.each(cases)('%j', (text, error, usage) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(error);
    expect(result.usage).toBe(usage);
  });

  it('says when no environments are configured', () => {
    const result = parseCommand('start prod', { environments: [] });
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/No environments are configured/),
    });
  });

  it('echoes input shortened and escaped so it cannot ping or break formatting', () => {
    const result = parse(`status <!channel>${'x'.repeat(100)}`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).not.toContain('<!channel>');
    expect(result.error).toContain('&lt;!channel&gt;');
    expect(result.error.length).toBeLessThan(160);
  });
});

describe('usage and help', () => {
  it('lists every sub-command with one line each', () => {
    const text = helpText();
    for (const sub of SUBCOMMANDS) {
      expect(text.split('\n').filter((line) => line.startsWith(`\`/kong-upgrade ${sub}`))).toHaveLength(1);
    }
    expect(allUsageLines().split('\n')).toHaveLength(SUBCOMMANDS.length);
    expect(usageLine('shift')).toBe('/kong-upgrade shift <run> <percent>');
  });
});

describe('plan steps and parseRunRef', () => {
  it('accepts 20 steps in --steps and refuses 21', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 5);
    expect(parse(`start prod --steps ${twenty.join(',')}`)).toMatchObject({
      ok: true,
      command: { steps: twenty },
    });
    expect(parse(`start prod --steps 1,${twenty.join(',')}`)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^--steps: the plan has 21 steps; at most 20 are allowed\.$/),
    });
  });

  it('takes the number from the last dash, so environments may contain dashes and digits', () => {
    expect(parseRunRef('eu-west-2-3', environments)).toEqual({ ok: true, value: run('eu-west-2', 3) });
    expect(parseRunRef('eu-west-2', environments)).toMatchObject({ ok: false });
  });
});

// ---- property tests ----

const envArb = fc.constantFrom(...environments);
const runArb = fc.tuple(envArb, fc.integer({ min: 1, max: 2147483647 })).map(([e, n]) => run(e, n));
const stepsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 19 })
  .map((xs) => [...xs.sort((a, b) => a - b), 100]);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.constant<Command>({ kind: 'help' }),
  fc.constant<Command>({ kind: 'list' }),
  fc
    .record({ environment: envArb, steps: fc.option(stepsArb, { nil: null }), dryRun: fc.boolean() })
    .map((r): Command => ({ kind: 'start', ...r })),
  fc
    .record({
      kind: fc.constantFrom('status' as const, 'compare' as const),
      run: fc.option(runArb, { nil: null }),
    })
    .map((r): Command => r),
  fc
    .record({ run: runArb, percent: fc.integer({ min: 1, max: 100 }) })
    .map((r): Command => ({ kind: 'shift', ...r })),
  fc
    .record({
      kind: fc.constantFrom('rollback' as const, 'pause' as const, 'resume' as const, 'abort' as const),
      run: runArb,
    })
    .map((r): Command => r),
);

/** What Slack clients may do to the spaces between words. */
const spaceArb = fc.constantFrom(' ', '  ', '\u00a0', '\t', ' \u200b');

describe('parseCommand properties', () => {
  it('never throws on arbitrary text and always answers in the documented shape', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (text) => {
          const result = parse(text);
          if (result.ok) expect(typeof result.command.kind).toBe('string');
          else {
            expect(result.error.length).toBeGreaterThan(0);
            expect(result.usage).toContain('/kong-upgrade');
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('never throws on grammar-shaped text', () => {
    const word = fc.oneof(
      fc.constantFrom(...SUBCOMMANDS, 'STATUS', 'Shift', 'stat', 'deploy'),
      fc.constantFrom(...environments, 'qa', 'PROD', '--steps', '--steps=', '--dry-run', '--', '-', '%'),
      runArb.map((r) => r.id),
      fc.integer({ min: -200, max: 300 }).map(String),
      fc.array(fc.integer({ min: -5, max: 120 }), { maxLength: 25 }).map((xs) => xs.join(',')),
      fc.constantFrom('\u201c', '\u2014', ',', '=', '&lt;', '`', 'prod-0', 'prod-', '-7'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(word, spaceArb), { maxLength: 8 }), (parts) => {
        const result = parse(parts.map(([w, s]) => w + s).join(''));
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(result.usage.length).toBeGreaterThan(0);
      }),
      { numRuns: 10_000 },
    );
  });

  it('round-trips: render a command to text, parse it back, get the same command', () => {
    fc.assert(
      fc.property(commandArb, spaceArb, fc.boolean(), (command, space, upper) => {
        let text = renderCommand(command).split(' ').join(space);
        if (upper) text = text.toUpperCase();
        expect(parse(`${space}${text}${space}`)).toEqual({ ok: true, command });
      }),
      { numRuns: 10_000 },
    );
  });
});
