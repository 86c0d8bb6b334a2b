import { describe, expect, it } from 'vitest';
import { reminderDue } from '../../src/domain/reminder-due.js';

const NOW = new Date('2026-12-05T12:00:00Z');
const gate = (minutesLeft: number, o: object = {}) => ({
  status: 'pending' as const,
  expiresAt: new Date(NOW.getTime() + minutesLeft * 60_000),
  messageTs: '1.2',
  requestedAt: new Date(NOW.getTime() - 60 * 60_000),
  ...o,
});

describe('reminderDue', () => {
  it.each([
    ['well before the reminder time', gate(16), 15, false, false],
    ['at the reminder time', gate(15), 15, false, true],
    ['close to expiry', gate(1), 15, false, true],
    ['already reminded', gate(1), 15, true, false],
    ['expired', gate(0), 15, false, false],
    ['reminders off', gate(1), 0, false, false],
    ['decided', gate(1, { status: 'approved' }), 15, false, false],
    ['no message to remind of', gate(1, { messageTs: null }), 15, false, false],
    ['a gate that lives shorter than the reminder time', gate(5, { requestedAt: NOW }), 15, false, false],
  ] as const)('%s', (_name, g, minutes, reminded, expected) => {
    expect(reminderDue(g, NOW, minutes, reminded)).toBe(expected);
  });
});
