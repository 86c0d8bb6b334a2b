import { MASK } from './mask-url.js';

/**
 * Replaces every secret value (as written, and URL-encoded as a tool may print it inside a connection
 * string) with `****`. Longest first, so a secret that contains another is replaced whole.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(MASK);
  return out;
}
