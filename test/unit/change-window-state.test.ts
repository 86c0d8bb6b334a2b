import { describe, expect, it } from 'vitest';
import { type ChangeWindows, changeWindowState } from '../../src/domain/change-window-state.js';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const berlinOffice: ChangeWindows = {
  timezone: 'Europe/Berlin',
  allow: [{ days: weekdays, from: '09:00', to: '17:00' }],
  blackouts: [],
};
const holiday: ChangeWindows = {
  timezone: 'Europe/Berlin',
  allow: [],
  blackouts: [{ from: '2026-12-20', to: '2027-01-04', reason: 'holiday freeze' }],
};

const at = (iso: string) => new Date(iso);

describe('changeWindowState', () => {
  const cases: Array<{
    name: string;
    windows: ChangeWindows | undefined;
    now: string;
    open: boolean;
    opensAt?: string;
  }> = [
    { name: 'no windows configured', windows: undefined, now: '2026-12-05T03:00:00Z', open: true },
    {
      name: 'empty windows',
      windows: { timezone: 'UTC', allow: [], blackouts: [] },
      now: '2026-12-05T03:00:00Z',
      open: true,
    },
    // Friday 2026-12-04, CET (UTC+1).
    { name: 'inside office hours', windows: berlinOffice, now: '2026-12-04T15:59:00Z', open: true },
    { name: 'office hours start inclusive', windows: berlinOffice, now: '2026-12-04T08:00:00Z', open: true },
    {
      name: 'before office hours',
      windows: berlinOffice,
      now: '2026-12-04T07:59:00Z',
      open: false,
      opensAt: '2026-12-04T08:00:00.000Z',
    },
    {
      name: 'office hours end exclusive: Friday 17:00 opens Monday',
      windows: berlinOffice,
      now: '2026-12-04T16:00:00Z',
      open: false,
      opensAt: '2026-12-07T08:00:00.000Z',
    },
    {
      name: 'Saturday',
      windows: berlinOffice,
      now: '2026-12-05T12:00:00Z',
      open: false,
      opensAt: '2026-12-07T08:00:00.000Z',
    },
    // Blackout dates are inclusive local days: 2026-12-20 00:00 CET is 2026-12-19T23:00Z.
    { name: 'last minute before a blackout', windows: holiday, now: '2026-12-19T22:59:00Z', open: true },
    {
      name: 'local midnight starts the blackout',
      windows: holiday,
      now: '2026-12-19T23:00:00Z',
      open: false,
      opensAt: '2027-01-04T23:00:00.000Z',
    },
    {
      name: 'last minute of the blackout',
      windows: holiday,
      now: '2027-01-04T22:59:00Z',
      open: false,
      opensAt: '2027-01-04T23:00:00.000Z',
    },
    { name: 'local midnight after the blackout', windows: holiday, now: '2027-01-04T23:00:00Z', open: true },
    {
      name: 'blackout ending on a Sunday with office hours: opens Monday 09:00',
      windows: { ...berlinOffice, blackouts: [{ from: '2026-12-20', to: '2027-01-03' }] },
      now: '2026-12-22T10:00:00Z',
      open: false,
      opensAt: '2027-01-04T08:00:00.000Z',
    },
    {
      name: 'window to 24:00 ends at local midnight',
      windows: { timezone: 'UTC', allow: [{ days: ['sat'], from: '22:00', to: '24:00' }], blackouts: [] },
      now: '2026-12-05T23:59:00Z',
      open: true,
    },
    {
      name: 'window to 24:00: midnight is outside',
      windows: { timezone: 'UTC', allow: [{ days: ['sat'], from: '22:00', to: '24:00' }], blackouts: [] },
      now: '2026-12-06T00:00:00Z',
      open: false,
      opensAt: '2026-12-12T22:00:00.000Z',
    },
    // Europe/Berlin springs forward on 2026-03-29 at 01:00Z (02:00 → 03:00): 02:30 does not exist.
    {
      name: 'DST gap: a window starting inside the gap opens when the clocks jump',
      windows: {
        timezone: 'Europe/Berlin',
        allow: [{ days: ['sun'], from: '02:30', to: '04:00' }],
        blackouts: [],
      },
      now: '2026-03-29T00:00:00Z',
      open: false,
      opensAt: '2026-03-29T01:00:00.000Z',
    },
    {
      name: 'DST spring forward: 09:00 is UTC+2 afterwards',
      windows: berlinOffice,
      now: '2026-03-28T12:00:00Z',
      open: false,
      opensAt: '2026-03-30T07:00:00.000Z',
    },
    // Europe/Berlin falls back on 2026-10-25 at 01:00Z (03:00 → 02:00): 02:30 happens twice.
    {
      name: 'DST fall back: the first 02:30 opens the window',
      windows: {
        timezone: 'Europe/Berlin',
        allow: [{ days: ['sun'], from: '02:30', to: '04:00' }],
        blackouts: [],
      },
      now: '2026-10-25T00:00:00Z',
      open: false,
      opensAt: '2026-10-25T00:30:00.000Z',
    },
    {
      name: 'DST fall back: 09:00 is UTC+1 afterwards',
      windows: berlinOffice,
      now: '2026-10-24T12:00:00Z',
      open: false,
      opensAt: '2026-10-26T08:00:00.000Z',
    },
    // New York springs forward on 2026-03-08.
    {
      name: 'America/New_York across its DST change',
      windows: {
        timezone: 'America/New_York',
        allow: [{ days: ['sun'], from: '09:00', to: '17:00' }],
        blackouts: [],
      },
      now: '2026-03-07T23:00:00Z',
      open: false,
      opensAt: '2026-03-08T13:00:00.000Z',
    },
    {
      name: 'never opening within a year',
      windows: { timezone: 'UTC', allow: [], blackouts: [{ from: '2026-01-01', to: '2028-12-31' }] },
      now: '2026-12-05T12:00:00Z',
      open: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = changeWindowState(c.windows, at(c.now));
      expect(state.open).toBe(c.open);
      expect(state.opensAt?.toISOString()).toBe(c.opensAt);
      if (!c.open) expect(state.reason).toBeTruthy();
    });
  }

  it('says why: the blackout with its reason, or the allowed windows', () => {
    expect(changeWindowState(holiday, at('2026-12-24T12:00:00Z')).reason).toBe(
      'a change blackout runs 2026-12-20 to 2027-01-04 (Europe/Berlin): holiday freeze',
    );
    expect(changeWindowState(berlinOffice, at('2026-12-05T12:00:00Z')).reason).toBe(
      'it is outside the change windows (mon, tue, wed, thu, fri 09:00–17:00, Europe/Berlin)',
    );
  });
});
