import { describe, expect, it } from 'vitest';
import { formatStepOutput } from '../../src/deploy/format-step-output.js';

describe('formatStepOutput', () => {
  it('shows the command, exit code, duration and the tail in a code block', () => {
    const text = formatStepOutput(
      { command: 'kong migrations up --yes', exitCode: 0, durationMs: 1234, tail: ['a', 'b'] },
      0,
      2,
    );
    expect(text).toBe('✅ Deploy 1/2: `kong migrations up --yes` (exit 0, 1.2 s)\n```\na\nb\n```');
  });

  it('marks failures and stopped commands, and says when there was no output', () => {
    expect(formatStepOutput({ command: 'x', exitCode: 3, durationMs: 42_000, tail: [] }, 1, 2)).toBe(
      '❌ Deploy 2/2: `x` (exit 3, 42 s)\n_no output_',
    );
    expect(
      formatStepOutput({ command: 'sleep 30', exitCode: null, durationMs: 500, tail: [] }, 0, 1),
    ).toContain('❌ Deploy 1/1: `sleep 30` (stopped, 0.5 s)');
  });

  it('cannot be broken out of its code block, and clips very long lines', () => {
    const text = formatStepOutput(
      { command: 'echo `x`', exitCode: 0, durationMs: 10, tail: ['```', 'y'.repeat(1000)] },
      0,
      1,
    );
    expect(text.match(/```/g)).toHaveLength(2);
    expect(text).toContain("`echo 'x'`");
    expect(text).toContain(`${'y'.repeat(299)}…`);
    expect(text).not.toContain('y'.repeat(300));
    expect(text).not.toContain('y'.repeat(301));
  });
});
