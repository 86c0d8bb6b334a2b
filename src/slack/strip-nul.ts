/**
 * PostgreSQL text and jsonb cannot hold U+0000: one in a user id, channel or command text made a
 * query fail ("Something went wrong"). Slack never sends it; a forged or garbled request might.
 */
export function stripNul(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}
