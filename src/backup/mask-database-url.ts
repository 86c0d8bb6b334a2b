/**
 * A database URL fit for messages and logs: the password (if any) replaced by `***`.
 * Unparseable input is not echoed back at all, since it might be a secret-bearing string.
 */
export function maskDatabaseUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return '<unparseable database URL>';
  }
  if (url.password !== '') url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (/pass/i.test(key)) url.searchParams.set(key, '***');
  }
  return url.toString();
}
