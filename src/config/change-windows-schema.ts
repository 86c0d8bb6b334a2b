import { z } from 'zod';
import { type ChangeWindows, isKnownTimeZone, minutesOf, WEEKDAYS } from '../domain/change-window-state.js';
import { whenObject } from './common-schemas.js';

const timeSchema = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a local time "HH:MM" (00:00 to 24:00)');

const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date "YYYY-MM-DD"')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      message: 'is not a calendar date',
    },
  );

const allowSchema = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS, { message: `must be one of ${WEEKDAYS.join(', ')}` }))
      .min(1, 'must list at least one day'),
    from: timeSchema,
    to: timeSchema,
  })
  .superRefine((w, ctx) => {
    if (typeof w.from === 'string' && typeof w.to === 'string' && minutesOf(w.to) <= minutesOf(w.from)) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'must be after from (a window ends on the day it starts)',
        params: { hint: 'split a window over midnight in two, e.g. 22:00–24:00 and 00:00–06:00' },
      });
    }
  }, whenObject);

const blackoutSchema = z
  .strictObject({ from: dateSchema, to: dateSchema, reason: z.string().max(200).optional() })
  .superRefine((b, ctx) => {
    if (typeof b.from === 'string' && typeof b.to === 'string' && b.to < b.from) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'must not be before from (both dates are inclusive)',
      });
    }
  }, whenObject);

/** When traffic may move toward Y; see changeWindowState. */
export const changeWindowsSchema = z.strictObject({
  timezone: z
    .string()
    .refine(isKnownTimeZone, { message: 'is not a known IANA timezone (e.g. Europe/Berlin, UTC)' })
    .default('UTC'),
  allow: z.array(allowSchema).default(() => []),
  blackouts: z.array(blackoutSchema).default(() => []),
});

export type ChangeWindowsConfig = z.infer<typeof changeWindowsSchema>;

/** The environment's windows win over the top-level ones. */
export function changeWindowsFor(
  config: { changeWindows?: ChangeWindows | undefined },
  environment: { changeWindows?: ChangeWindows | undefined } | undefined,
): ChangeWindows | undefined {
  return environment?.changeWindows ?? config.changeWindows;
}
