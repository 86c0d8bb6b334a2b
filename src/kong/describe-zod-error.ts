import type { z } from 'zod';

/**
 * `data[3].id: expected string, received number`: the first few issues with their paths, for messages.
 * `prefix` is prepended to every path (e.g. `['data', 3]` when an item was validated on its own).
 */
export function describeZodError(error: z.ZodError, prefix: readonly PropertyKey[] = [], max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const path = [...prefix, ...issue.path]
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
      .join('');
    return `${path || '(root)'}: ${issue.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return parts.join('; ') + more;
}
