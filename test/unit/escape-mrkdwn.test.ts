import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/domain/decide.js';
import { describeDrift } from '../../src/domain/decide-observation.js';
import { escapeMrkdwn } from '../../src/domain/escape-mrkdwn.js';
import { formatPreflightReport } from '../../src/kong/format-preflight-report.js';
import { runCardBlocks, runTitle } from '../../src/slack/blocks/run-card-blocks.js';
import { buildRun } from '../support/build-run.js';

const NOW = new Date('2026-01-01T01:00:00Z');

/** Pieces of mrkdwn that would ping, link or mention if they reached Slack unescaped. */
const HOSTILE = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<https://evil.example|approve here>',
  '<@U0ADMIN>',
  '<!subteam^S0ALL>',
  '<#C0SECRET>',
  '&lt;!channel&gt;',
  '<',
  '>',
  '&',
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 20 })), { maxLength: 8 })
  .map((parts) => parts.join(''));

const unescapeMrkdwn = (s: string) =>
  s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** No `<` or `>` survives from the outside text, and every `&` starts one of Slack's three entities. */
function safe(escaped: string): boolean {
  return !/[<>]/.test(escaped) && !/&(?!amp;|lt;|gt;)/.test(escaped);
}

/** Everything Slack would read as a control sequence: `<…>` in the bot's output. */
const controls = (s: string) => s.match(/<[^>]*>/g) ?? [];

describe('escapeMrkdwn', () => {
  it('leaves nothing Slack would read as markup and loses nothing (property)', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string()), (s) => {
        const e = escapeMrkdwn(s);
        expect(safe(e)).toBe(true);
        expect(unescapeMrkdwn(e)).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('job failure messages (e.g. HTTP bodies) reach the thread escaped', () => {
    fc.assert(
      fc.property(hostile, (message) => {
        const d = decide(
          buildRun({ phase: 'backup' }),
          { type: 'job_failed', job: 'backup', code: 'E_BACKUP_FAILED', message },
          NOW,
        );
        if (!d.ok) return;
        const text = d.effects.flatMap((e) => (e.type === 'thread' ? [e.text] : [])).join('\n');
        expect(controls(text)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('drift names, versions and failure reasons on the card are escaped', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (name, version, reason) => {
        const drift = describeDrift([{ type: 'consumers', id: 'c1', name, change: 'added' } as never]);
        expect(controls(drift)).toEqual([]);
        const failed = { phase: 'failed', failedPhase: 'backup' } as const;
        const run = buildRun({ ...failed, fromVersion: version, toVersion: version, failureReason: reason });
        const benign = buildRun({
          ...failed,
          fromVersion: '3.4.2',
          toVersion: '3.9.1',
          failureReason: 'disk full',
        });
        // The card carries the same control sequences (the bot's own mentions and links) as a benign one.
        const cardControls = (r: typeof run) => new Set(controls(JSON.stringify(runCardBlocks(r, NOW))));
        expect(cardControls(run)).toEqual(cardControls(benign));
        expect(controls(runTitle(run))).toEqual(controls(runTitle(benign)));
      }),
      { numRuns: 200 },
    );
  });

  it('preflight items (Kong plugin names, route paths) are escaped', () => {
    const lines = formatPreflightReport([
      {
        id: 'x',
        title: '<!channel>',
        status: 'fail',
        detail: '<https://evil.example|x>',
        items: ['<@U0ADMIN>'],
      } as never,
    ]);
    expect(controls(lines.join('\n'))).toEqual([]);
  });
});
