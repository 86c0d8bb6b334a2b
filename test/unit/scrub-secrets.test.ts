import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/scrub-secrets.js';

describe('scrubSecrets', () => {
  it('replaces raw and URL-encoded forms, longest first', () => {
    const text = 'pw=p@ss:word url=postgres://kong:p%40ss%3Aword@db token=abc-token-xyz abc';
    const out = scrubSecrets(text, ['p@ss:word', 'abc', 'abc-token-xyz']);
    expect(out).toBe('pw=**** url=postgres://kong:****@db token=**** ****');
  });

  it('replaces every occurrence, as pg_dump may repeat the password in its output', () => {
    expect(scrubSecrets('error for secret; secret again', ['secret'])).toBe('error for ****; **** again');
  });

  it('ignores empty secrets and leaves clean text alone', () => {
    expect(scrubSecrets('nothing here', ['', 'absent'])).toBe('nothing here');
    expect(scrubSecrets('', ['x'])).toBe('');
  });
});
