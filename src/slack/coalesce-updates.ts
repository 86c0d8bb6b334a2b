/**
 * Keeps at most one send per key per interval. A call inside the interval replaces the pending
 * content and resolves when the newest content has been sent (or failed), so fast progress
 * reports never exceed Slack's limits and the message always ends on the latest state.
 */
export function createCoalescer<T>(
  send: (key: string, value: T) => Promise<void>,
  intervalMs = 1000,
  now: () => number = Date.now,
): (key: string, value: T) => Promise<void> {
  interface Slot {
    lastSentAt: number;
    pending: { value: T; waiters: { resolve: () => void; reject: (e: unknown) => void }[] } | null;
    timer: NodeJS.Timeout | null;
    inFlight: Promise<void> | null;
  }
  const slots = new Map<string, Slot>();
  // A slot is kept until its interval has passed, so a send right after the previous one finished
  // still waits: forgetting `lastSentAt` early let a slow trickle of updates through unthrottled.
  const forgetLater = (key: string, slot: Slot) => {
    const idle = () => !slot.pending && !slot.timer && !slot.inFlight;
    const remaining = slot.lastSentAt + intervalMs - now();
    if (remaining <= 0) {
      if (idle() && slots.get(key) === slot) slots.delete(key);
      return;
    }
    setTimeout(() => {
      if (idle() && slots.get(key) === slot) forgetLater(key, slot);
    }, remaining + 1).unref();
  };
  async function flush(key: string, slot: Slot): Promise<void> {
    slot.timer = null;
    const pending = slot.pending;
    if (!pending) return;
    slot.pending = null;
    slot.lastSentAt = now();
    const p = send(key, pending.value).finally(() => {
      // Measured from when Slack answered too: a slow send followed by a fast one must not land closer than the interval.
      slot.lastSentAt = now();
    });
    slot.inFlight = p.catch(() => undefined);
    try {
      await p;
      for (const w of pending.waiters) w.resolve();
    } catch (err) {
      for (const w of pending.waiters) w.reject(err);
    } finally {
      slot.inFlight = null;
      if (!slot.pending && !slot.timer) forgetLater(key, slot);
    }
  }

  return (key, value) =>
    new Promise<void>((resolve, reject) => {
      let slot = slots.get(key);
      if (!slot) {
        slot = { lastSentAt: 0, pending: null, timer: null, inFlight: null };
        slots.set(key, slot);
      }
      const waiters = slot.pending?.waiters ?? [];
      waiters.push({ resolve, reject });
      slot.pending = { value, waiters };
      if (slot.timer) return;
      const s = slot;
      const wait = Math.max(0, s.lastSentAt + intervalMs - now());
      const start = () => {
        // An update still in flight finishes first, so sends to one message never overlap.
        const before = s.inFlight ?? Promise.resolve();
        void before.then(() => {
          // Spaced from when the previous send was answered, so Slack never sees two within the interval.
          const left = s.lastSentAt + intervalMs - now();
          if (left > 0) s.timer = setTimeout(start, left);
          else void flush(key, s);
        });
      };
      if (wait === 0 && !s.inFlight) {
        s.timer = setTimeout(start, 0);
      } else {
        s.timer = setTimeout(start, Math.max(wait, 1));
      }
    });
}
