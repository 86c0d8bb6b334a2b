import { describe, expect, it } from 'vitest';
import { formatSmokeTable } from '../../src/kong/format-smoke-table.js';
import type { SmokeResult } from '../../src/kong/run-smoke-tests.js';

const ok = (name: string, status: number): SmokeResult => ({
  name,
  expected: { status },
  x: { status },
  y: { status },
  pass: true,
  xMismatch: false,
});

describe('formatSmokeTable', () => {
  it('renders an aligned monospace table with a summary line', () => {
    const text = formatSmokeTable([
      ok('key-auth rejects anonymous', 401),
      {
        name: 'key-auth accepts a valid key',
        expected: { status: 200 },
        x: { status: 200 },
        y: { status: 401 },
        pass: false,
        xMismatch: false,
      },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('*Smoke tests:* 1 of 2 pass on Y');
    expect(lines[1]).toBe('```');
    expect(lines[2]).toBe('name                         | expected | X   | Y   |');
    expect(lines[4]).toBe('key-auth rejects anonymous   | 401      | 401 | 401 | ✅');
    expect(lines[5]).toBe('key-auth accepts a valid key | 200      | 200 | 401 | ❌');
    expect(lines[6]).toBe('```');
    expect(lines).toHaveLength(7);
  });

  it('flags a test that X fails too, shows body checks and errors', () => {
    const text = formatSmokeTable([
      {
        name: 'wrong path',
        expected: { status: 200, bodyContains: 'hello' },
        x: { status: 200, bodyMatched: false },
        y: { error: 'connection refused' },
        pass: false,
        xMismatch: true,
      },
    ]);
    expect(text).toContain('| 200 + "hello" | 200, body ✗ | error: connection refus… | ❌');
    expect(text).toContain('X does not meet the expectation either, so the test itself is probably wrong');
    expect(text).toContain('• _wrong path_ on Y: connection refused');
    expect(text).not.toContain('on X:');
  });

  it('keeps names from closing the code block, and says when there are no tests', () => {
    const text = formatSmokeTable([ok('has ```backticks```', 200)]);
    expect(text.match(/```/g)).toHaveLength(2);
    expect(formatSmokeTable([])).toContain('none configured');
  });
});
