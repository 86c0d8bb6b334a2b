import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonAs } from '../../src/parse-json-as.js';

const weights = z.object({ x: z.number(), y: z.number() });

describe('parseJsonAs', () => {
  it('returns the checked value for JSON of the right shape', () => {
    expect(parseJsonAs(weights, '{"x":90,"y":10}')).toEqual({ x: 90, y: 10 });
  });

  it('returns undefined for JSON of another shape', () => {
    expect(parseJsonAs(weights, '{"x":"90","y":10}')).toBeUndefined();
    expect(parseJsonAs(weights, '[]')).toBeUndefined();
    expect(parseJsonAs(weights, 'null')).toBeUndefined();
  });

  it('returns undefined for text that is not JSON, even when the schema accepts anything', () => {
    expect(parseJsonAs(weights, '<html>login</html>')).toBeUndefined();
    expect(parseJsonAs(weights, '')).toBeUndefined();
    expect(parseJsonAs(z.unknown(), 'not json')).toBeUndefined();
  });
});
