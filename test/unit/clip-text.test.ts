import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipText, excerpt } from '../../src/clip-text.js';

describe('clipText', () => {
  it('leaves short text alone and cuts long text to exactly max characters, ending in an ellipsis', () => {
    expect(clipText('abc', 3)).toBe('abc');
    expect(clipText('abcd', 3)).toBe('ab…');
    expect(clipText('abcd', 1)).toBe('…');
  });

  it('never returns more than max characters', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 50 }), (text, max) => {
        const out = clipText(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(out).toBe(text);
        else expect(out.endsWith('…')).toBe(true);
      }),
    );
  });
});

describe('excerpt', () => {
  it('puts the text on one line, trimmed, 200 characters at most by default', () => {
    expect(excerpt('  upstream\n  not found\t ')).toBe('upstream not found');
    const long = excerpt('x'.repeat(500));
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
    expect(excerpt('a b c d', 4)).toBe('a b…');
  });
});
