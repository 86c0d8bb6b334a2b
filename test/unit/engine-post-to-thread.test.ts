import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareEntityCounts, formatEntityCounts } from '../../src/engine/compare-entity-counts.js';
import { postToThread, splitMrkdwn } from '../../src/engine/post-to-thread.js';
import { KONG_ENTITY_TYPES, type KongSnapshot } from '../../src/kong/kong-entity-types.js';
import type { Notifier, SlackMessage } from '../../src/slack/notifier.js';

describe('splitMrkdwn', () => {
  it('leaves a short text whole', () => {
    expect(splitMrkdwn('hello\nworld', 100)).toEqual(['hello\nworld']);
  });

  it('cuts a long table into pieces that each are a closed code block', () => {
    const rows = Array.from(
      { length: 200 },
      (_, i) => `row ${String(i).padStart(3, '0')} | ${'x'.repeat(20)}`,
    );
    const text = ['*Table:* 200 rows', '```', ...rows, '```', 'after'].join('\n');
    const pieces = splitMrkdwn(text, 1000);
    expect(pieces.length).toBeGreaterThan(4);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(1000);
      expect((piece.match(/^```$/gm) ?? []).length % 2).toBe(0);
    }
    const back = pieces
      .join('\n')
      .split('\n')
      .filter((l) => l !== '```');
    expect(back).toEqual(['*Table:* 200 rows', ...rows, 'after']);
  });

  it('keeps every piece within the limit and loses no text (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant('```'),
            fc.string({ maxLength: 300 }).map((s) => s.replace(/\n/g, ' ')),
          ),
          {
            maxLength: 80,
          },
        ),
        fc.integer({ min: 60, max: 600 }),
        (lines, max) => {
          const text = lines.join('\n');
          const pieces = splitMrkdwn(text, max);
          for (const p of pieces) expect(p.length).toBeLessThanOrEqual(max);
          const strip = (s: string) => s.replace(/```/g, '').replace(/\s+/g, '');
          expect(strip(pieces.join(''))).toBe(strip(text));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('postToThread', () => {
  it('posts each piece to the thread in order', async () => {
    const posts: SlackMessage[] = [];
    const notifier: Notifier = {
      async post(m) {
        posts.push(m);
        return { ts: String(posts.length), channel: m.channel };
      },
      update: () => Promise.reject(new Error('unexpected')),
      ephemeral: () => Promise.reject(new Error('unexpected')),
      upload: () => Promise.reject(new Error('unexpected')),
    };
    const text = Array.from({ length: 400 }, (_, i) => `line ${i} ${'y'.repeat(30)}`).join('\n');
    await postToThread(notifier, { channel: 'C1', threadTs: '1.2' }, text);
    expect(posts.length).toBeGreaterThan(4);
    expect(posts.every((p) => p.channel === 'C1' && p.threadTs === '1.2' && p.text.length <= 3000)).toBe(
      true,
    );
    expect(posts.map((p) => p.text).join('\n')).toBe(text);
  });
});

describe('entity counts', () => {
  function snapshot(counts: Partial<Record<keyof KongSnapshot, number>>): KongSnapshot {
    const types = KONG_ENTITY_TYPES;
    return Object.fromEntries(
      types.map((t) => [t, Array.from({ length: counts[t] ?? 0 }, () => ({}))]),
    ) as unknown as KongSnapshot;
  }

  it('compares every entity type and shows equal counts as a passing table', () => {
    const counts = compareEntityCounts(
      snapshot({ routes: 3, consumers: 1200 }),
      snapshot({ routes: 3, consumers: 1200 }),
    );
    expect(counts).toHaveLength(KONG_ENTITY_TYPES.length);
    expect(counts.every((c) => c.equal)).toBe(true);
    const text = formatEntityCounts(counts);
    expect(text).toContain(
      `✅ X and Y list the same number of each of ${KONG_ENTITY_TYPES.length} entity types.`,
    );
    expect(text).toMatch(/consumers +\| 1,200 \| 1,200 \| ✅/);
  });

  it('names the types that differ', () => {
    const counts = compareEntityCounts(
      snapshot({ routes: 3, plugins: 2 }),
      snapshot({ routes: 2, plugins: 2 }),
    );
    expect(counts.find((c) => c.type === 'routes')).toEqual({ type: 'routes', x: 3, y: 2, equal: false });
    const text = formatEntityCounts(counts);
    expect(text).toContain(`❌ 1 of ${KONG_ENTITY_TYPES.length} entity types differ: routes.`);
    expect(text).toMatch(/routes +\| +3 \| +2 \| ❌/);
  });
});
