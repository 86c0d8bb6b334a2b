/** The audit event that marks a first step held back by a closed change window. */
export const WINDOW_DEFERRED = 'window.deferred';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface AllowWindow {
  days: readonly Weekday[];
  /** "HH:MM" local time, inclusive. */
  from: string;
  /** "HH:MM" local time (or "24:00"), exclusive; after `from`. */
  to: string;
}

export interface Blackout {
  /** "YYYY-MM-DD", inclusive, in the windows' timezone. */
  from: string;
  /** "YYYY-MM-DD", inclusive. */
  to: string;
  reason?: string | undefined;
}

export interface ChangeWindows {
  /** IANA name; UTC when unset. */
  timezone: string;
  /** Empty: every time outside the blackouts is allowed. */
  allow: readonly AllowWindow[];
  blackouts: readonly Blackout[];
}

export interface WindowState {
  open: boolean;
  /** Why traffic may not move now (only when closed). */
  reason?: string;
  /** When it may move again (only when closed and known within a year). */
  opensAt?: Date;
}

interface LocalTime {
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA name this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function localTime(at: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: (parts.weekday ?? '').toLowerCase().slice(0, 3) as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function blackoutAt(windows: ChangeWindows, local: LocalTime): Blackout | undefined {
  return windows.blackouts.find((b) => b.from <= local.date && local.date <= b.to);
}

function allowedAt(windows: ChangeWindows, local: LocalTime): boolean {
  if (windows.allow.length === 0) return true;
  return windows.allow.some(
    (w) =>
      w.days.includes(local.weekday) && minutesOf(w.from) <= local.minutes && local.minutes < minutesOf(w.to),
  );
}

function isOpen(windows: ChangeWindows, at: Date): boolean {
  const local = localTime(at, windows.timezone);
  return blackoutAt(windows, local) === undefined && allowedAt(windows, local);
}

/** The instants (usually one; two when clocks go back, none in a gap) that show `date` `minutes` locally. */
function instantsOf(date: string, minutes: number, timeZone: string): Date[] {
  const [y, mo, d] = date.split('-').map(Number);
  const naive = Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1, 0, minutes);
  const found: number[] = [];
  // Offsets in force around that day; one of them maps the local time back to a real instant.
  for (const probe of [naive - 86_400_000, naive, naive + 86_400_000]) {
    const local = localTime(new Date(probe), timeZone);
    const [ly, lmo, ld] = local.date.split('-').map(Number);
    const offset = Date.UTC(ly ?? 1970, (lmo ?? 1) - 1, ld ?? 1, 0, local.minutes) - probe;
    const candidate = naive - offset;
    const back = localTime(new Date(candidate), timeZone);
    if (back.date === date && back.minutes === minutes && !found.includes(candidate)) found.push(candidate);
  }
  return found.sort((a, b) => a - b).map((t) => new Date(t));
}

function addDays(date: string, days: number): string {
  const [y, mo, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

function weekdayOf(date: string): Weekday {
  const [y, mo, d] = date.split('-').map(Number);
  return WEEKDAYS[(new Date(Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1)).getUTCDay() + 6) % 7] as Weekday;
}

const MINUTE = 60_000;

/** The first instant after `now` at which traffic may move, searched a year ahead. */
function nextOpening(windows: ChangeWindows, now: Date): Date | undefined {
  const today = localTime(now, windows.timezone).date;
  for (let day = 0; day <= 370; day += 1) {
    const date = addDays(today, day);
    const weekday = weekdayOf(date);
    // The state changes only where a day begins (a blackout ends) or an allowed window begins.
    const starts = new Set<number>([0]);
    for (const w of windows.allow) if (w.days.includes(weekday)) starts.add(minutesOf(w.from));
    let candidates = [...starts].sort((a, b) => a - b).flatMap((m) => instantsOf(date, m, windows.timezone));
    // A start inside a clock-change gap has no instant: the first minute after the gap stands for it.
    if (
      candidates.length === 0 ||
      [...starts].some((m) => instantsOf(date, m, windows.timezone).length === 0)
    ) {
      candidates = [...candidates, ...gapEnds(date, windows.timezone)].sort(
        (a, b) => a.getTime() - b.getTime(),
      );
    }
    for (const at of candidates) {
      if (at.getTime() > now.getTime() && isOpen(windows, at)) return at;
    }
  }
  return undefined;
}

/** The instants just after local clocks jumped forward on `date` (usually none). */
function gapEnds(date: string, timeZone: string): Date[] {
  const ends: Date[] = [];
  const [first] = instantsOf(date, 0, timeZone);
  const start = first ? first.getTime() : Date.parse(`${date}T00:00:00Z`) - 14 * 3_600_000;
  let previous = localTime(new Date(start), timeZone);
  for (let t = start + 15 * MINUTE; t <= start + 26 * 3_600_000; t += 15 * MINUTE) {
    const local = localTime(new Date(t), timeZone);
    if (local.date === date && local.minutes - previous.minutes > 15 && previous.date === date) {
      ends.push(new Date(t));
    }
    previous = local;
  }
  return ends;
}

function describeAllow(windows: ChangeWindows): string {
  return windows.allow.map((w) => `${w.days.join(', ')} ${w.from}–${w.to}`).join('; ');
}

/**
 * Whether traffic may move toward Y at `now` under the change windows: inside an allowed window (any
 * time, when none is listed) and outside every blackout, in the windows' timezone. When closed, says
 * why and when it opens next. No windows configured: always open.
 */
export function changeWindowState(windows: ChangeWindows | undefined, now: Date): WindowState {
  if (!windows || (windows.allow.length === 0 && windows.blackouts.length === 0)) return { open: true };
  const local = localTime(now, windows.timezone);
  const blackout = blackoutAt(windows, local);
  if (blackout === undefined && allowedAt(windows, local)) return { open: true };
  const reason = blackout
    ? `a change blackout runs ${blackout.from} to ${blackout.to} (${windows.timezone})${blackout.reason ? `: ${blackout.reason}` : ''}`
    : `it is outside the change windows (${describeAllow(windows)}, ${windows.timezone})`;
  const opensAt = nextOpening(windows, now);
  return opensAt ? { open: false, reason, opensAt } : { open: false, reason };
}

/** "2026-12-07 08:00 UTC": plain enough for replies, audit events and thread lines alike. */
export function formatOpensAt(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A closed window in one clause: why, and when traffic may move again. */
export function describeClosedWindow(state: WindowState): string {
  const when = state.opensAt ? `; traffic may move again from ${formatOpensAt(state.opensAt)}` : '';
  return `${state.reason ?? 'the change window is closed'}${when}`;
}
