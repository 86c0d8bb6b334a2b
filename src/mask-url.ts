/** The one mask string: what stands where a secret was, in messages, logs and tool output. */
export const MASK = '****';

/** What an unusable URL is shown as: it is hidden whole, since it may still carry a secret. */
export const HIDDEN_URL = '<invalid URL, hidden>';

const SECRET_QUERY_PARAM = /pass|secret|token|key|auth|signature|credential/i;
// In HTTP URLs the user part is a credential too (basic auth, or a token written as `https://<token>@host`);
// in database and Redis URLs it is the role name, which people need to see to fix a login.
const USER_IS_CREDENTIAL = new Set(['http:', 'https:', 'ws:', 'wss:']);
// `user:pw@host` without a scheme parses as scheme "user:" with an opaque path, so an authority is required.
const HAS_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Whether a query parameter's name says it carries a secret (`password`, `access_token`, `apikey`, …). */
export function isSecretQueryParam(name: string): boolean {
  return SECRET_QUERY_PARAM.test(name);
}

export interface MaskUrlOptions {
  /** Show `?…` instead of the query string (long PromQL queries make messages unreadable). */
  hideQuery?: boolean;
}

/**
 * A URL safe to show in messages and logs: the password replaced by `****`, the user too in HTTP URLs,
 * and secret-looking query parameters masked. Works for postgres://, redis:// and http(s):// URLs.
 * Input that is not a URL with an authority is hidden whole. A URL with nothing to hide is returned as
 * written.
 */
export function maskUrl(url: string, options: MaskUrlOptions = {}): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || !HAS_AUTHORITY.test(url)) return HIDDEN_URL;
  let changed = false;
  if (parsed.password !== '') {
    parsed.password = MASK;
    changed = true;
  }
  if (parsed.username !== '' && USER_IS_CREDENTIAL.has(parsed.protocol)) {
    parsed.username = MASK;
    changed = true;
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (isSecretQueryParam(key)) {
      parsed.searchParams.set(key, MASK);
      changed = true;
    }
  }
  const hideQuery = options.hideQuery === true && parsed.search !== '';
  if (!changed && !hideQuery) return url;
  const tail = parsed.pathname + parsed.search + parsed.hash;
  const head = parsed.href.slice(0, parsed.href.length - tail.length);
  // Serialising adds a "/" path to http URLs; keep the URL as it was written.
  const wroteSlash = (url.split(/[?#]/)[0] ?? '').endsWith('/');
  const path = parsed.pathname === '/' && !wroteSlash ? '' : parsed.pathname;
  return `${head}${path}${hideQuery ? '?…' : parsed.search}${parsed.hash}`;
}
