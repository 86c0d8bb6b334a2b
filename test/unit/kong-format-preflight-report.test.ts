import { describe, expect, it } from 'vitest';
import { formatPreflightReport } from '../../src/kong/format-preflight-report.js';
import type { PreflightCheck } from '../../src/kong/preflight-checks.js';

const checks: PreflightCheck[] = [
  { id: 'versions', title: 'Y is newer than X', status: 'pass', detail: 'X runs 2.8.4; Y will run 3.9.1.' },
  {
    id: 'regex-paths',
    title: 'Regex route paths',
    status: 'warn',
    detail: '25 paths lack ~.',
    remedy: 'Prefix them with ~.',
    items: Array.from({ length: 25 }, (_, i) => `route-${i}: /r${i}/<id>\\d+`),
  },
  {
    id: 'plugins-available',
    title: 'Plugins',
    status: 'fail',
    detail: 'Missing on Y.',
    remedy: 'Install them & retry.',
    items: ['my-auth'],
  },
];

describe('formatPreflightReport', () => {
  it('renders a summary and one row per check with icons, remedies and truncated items', () => {
    const lines = formatPreflightReport(checks);
    expect(lines[0]).toBe('*Preflight blocked*: 1 passed, 1 warning, 1 failed');
    expect(lines[1]).toBe('✅ *Y is newer than X*: X runs 2.8.4; Y will run 3.9.1.');
    expect(lines).toContain('⚠️ *Regex route paths*: 25 paths lack ~.');
    expect(lines).toContain('❌ *Plugins*: Missing on Y.');
    expect(lines.filter((l) => l.startsWith('    • route-'))).toHaveLength(10);
    expect(lines).toContain('    • …and 15 more');
    expect(lines).toContain('    _What to do:_ Install them &amp; retry.');
    // Slack control characters are escaped so a path cannot turn into a link or mention
    expect(lines).toContain('    • route-0: /r0/&lt;id&gt;\\d+');
  });

  it('says passed when nothing warns or fails, and honours maxItems / maxItemLength', () => {
    expect(formatPreflightReport([checks[0] as PreflightCheck])[0]).toBe(
      '*Preflight passed*: 1 passed, 0 warnings, 0 failed',
    );
    const lines = formatPreflightReport(
      [{ ...(checks[1] as PreflightCheck), items: ['x'.repeat(50), 'b', 'c'] }],
      {
        maxItems: 2,
        maxItemLength: 10,
      },
    );
    expect(lines[0]).toBe('*Preflight passed with warnings*: 0 passed, 1 warning, 0 failed');
    expect(lines).toContain(`    • ${'x'.repeat(9)}…`);
    expect(lines).toContain('    • …and 1 more');
  });

  it('does not show a remedy on a passing check', () => {
    const lines = formatPreflightReport([{ ...(checks[0] as PreflightCheck), remedy: 'nothing' }]);
    expect(lines.some((l) => l.includes('What to do'))).toBe(false);
  });
});
