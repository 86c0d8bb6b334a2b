import type { KongPlugin, KongRoute, KongService } from './kong-schemas.js';
import type { PreflightCheck } from './preflight-check.js';

/** Plugins whose `hide_credentials` default went false → true in 3.14.0.0 (reference §2.1). */
export const HIDE_CREDENTIALS_PLUGINS = [
  'basic-auth',
  'hmac-auth',
  'key-auth',
  'key-auth-enc',
  'ldap-auth',
  'ldap-auth-advanced',
  'oauth2',
  'oauth2-introspection',
  'openid-connect',
  'vault-auth',
];
const TLS_PROTOCOLS = new Set(['https', 'tls', 'grpcs', 'wss']);

const CONVERT =
  'deck file convert --from 3.10 --to 3.14 (decK ≥ 1.57.3) writes the old defaults into declarative files where a field is absent';

function routeProtocols(routes: readonly KongRoute[]): PreflightCheck {
  const base = { id: 'defaults-314-route-protocols', title: '3.14 default: route protocols [https]' };
  const items = routes
    .filter((r) => {
      const p = [...(r.protocols ?? [])].sort();
      return p.length === 2 && p[0] === 'http' && p[1] === 'https';
    })
    .map((r) => `route ${r.name ?? r.id}: protocols [http, https]`)
    .sort();
  if (items.length === 0)
    return {
      ...base,
      status: 'pass',
      detail: 'No route on X relies on the old protocols default [http, https].',
    };
  return {
    ...base,
    status: 'warn',
    detail: `${items.length} route(s) on X have protocols [http, https], the default before 3.14. The restore keeps them, but a route created on Y without protocols (decK, CI scripts, Kong Manager) gets [https] only and no longer answers plain HTTP.`,
    remedy: `Write protocols explicitly in your declarative files and scripts (${CONVERT}).`,
    items,
  };
}

function serviceTlsVerify(services: readonly KongService[]): PreflightCheck {
  const base = { id: 'defaults-314-tls-verify', title: '3.14 default: tls_certificate_verify on' };
  const items = services
    .filter((s) => TLS_PROTOCOLS.has(s.protocol ?? '') && (s as { tls_verify?: unknown }).tls_verify !== true)
    .map((s) => {
      const v = (s as { tls_verify?: unknown }).tls_verify;
      return `service ${s.name ?? s.id}: protocol ${s.protocol}, tls_verify ${v === false ? 'false (updates that keep it are rejected; hybrid data planes reject the config)' : 'unset (upstream certificates are now verified: needs a CA)'}`;
    })
    .sort();
  if (items.length === 0)
    return {
      ...base,
      status: 'pass',
      detail: 'No TLS service on X relies on certificate verification being off.',
    };
  return {
    ...base,
    status: 'warn',
    detail: `${items.length} service(s) on X talk TLS upstream without tls_verify=true. From 3.14, tls_certificate_verify=on makes Kong verify upstream certificates: unset tls_verify now verifies, and tls_verify=false is refused on update (and by hybrid data planes).`,
    remedy:
      "Give these services a CA (ca_certificates, or lua_ssl_trusted_certificate on Y) and tls_verify=true, or set tls_certificate_verify=off on Y to keep X's behaviour for now.",
    items,
  };
}

function hideCredentials(plugins: readonly KongPlugin[]): PreflightCheck {
  const base = { id: 'defaults-314-hide-credentials', title: '3.14 default: hide_credentials true' };
  const items = plugins
    .filter((p) => HIDE_CREDENTIALS_PLUGINS.includes(p.name) && p.config?.hide_credentials !== true)
    .map(
      (p) =>
        `${p.name} ${p.instance_name ?? p.id}: hide_credentials ${p.config?.hide_credentials === false ? 'false' : 'unset'}`,
    )
    .sort();
  if (items.length === 0)
    return {
      ...base,
      status: 'pass',
      detail: 'No authentication plugin on X relies on hide_credentials false.',
    };
  return {
    ...base,
    status: 'warn',
    detail: `${items.length} authentication plugin(s) on X pass credentials upstream (hide_credentials false). The restore keeps that, but the same plugin created on Y without the field hides them, and upstreams that read the credential break.`,
    remedy: `Write hide_credentials explicitly wherever these plugins are declared (${CONVERT}).`,
    items,
  };
}

/**
 * 3.14.0.0's "secure by default" changes, for entities on X that rely on the old defaults (only when
 * the upgrade crosses 3.14). Restored rows keep their stored values; what changes is runtime
 * verification and every entity created on Y without the field.
 */
export function defaults314Checks(entities: {
  routes: readonly KongRoute[];
  services: readonly KongService[];
  plugins: readonly KongPlugin[];
}): PreflightCheck[] {
  return [
    routeProtocols(entities.routes),
    serviceTlsVerify(entities.services),
    hideCredentials(entities.plugins),
  ];
}
