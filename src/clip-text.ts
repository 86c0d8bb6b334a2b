/** `text` cut to at most `max` characters, the last of them an ellipsis when anything was cut. */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A short one-line excerpt (of a response body, a message) to quote inside a sentence. */
export function excerpt(text: string, max = 200): string {
  return clipText(text.replace(/\s+/g, ' ').trim(), max);
}
