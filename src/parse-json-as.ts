import type { z } from 'zod';

/**
 * `text` parsed as JSON and checked against `schema`, or undefined when it is not JSON or not of that
 * shape: callers answering an external API treat both the same way ("not what we expected").
 */
export function parseJsonAs<S extends z.ZodType>(schema: S, text: string): z.output<S> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
