/**
 * Whether a metrics URL gets the cluster's `Kong-Admin-Token` (docs/contract.md#clarifications): only URLs under the
 * cluster's `adminUrl` (the Admin API's own /metrics). Other endpoints, such as the Status API
 * listener, never see the token. "Under" means the same origin and a path at or below adminUrl's,
 * so `http://kong:8001` does not cover `http://kong:80011/metrics` nor `http://kong:8001.evil/`.
 */
export function sendsAdminToken(adminUrl: string, metricsUrl: string): boolean {
  if (!URL.canParse(adminUrl) || !URL.canParse(metricsUrl)) return false;
  const admin = new URL(adminUrl);
  const metrics = new URL(metricsUrl);
  if (admin.origin !== metrics.origin) return false;
  if (admin.username !== metrics.username || admin.password !== metrics.password) return false;
  const base = admin.pathname.replace(/\/+$/, '');
  return metrics.pathname === base || metrics.pathname.startsWith(`${base}/`);
}
