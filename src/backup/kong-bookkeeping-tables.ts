/**
 * Tables a running Kong node writes for itself, whatever the configuration freeze says
 * (kong.md section 4): mutexes, invalidation events, data-plane heartbeats, rate-limiting
 * counters, sessions. Between the dump and any later comparison they change on a live X, and
 * they are not configuration that the upgrade copies, so comparing them proves nothing.
 */
export const KONG_RUNTIME_TABLES: readonly string[] = [
  'locks', // migration and cluster mutexes, with a ttl
  'cluster_events', // invalidation events, expire on their own
  'clustering_data_planes', // hybrid-mode heartbeats (last_seen changes every 30 s)
  'clustering_rpc_requests', // 3.7+ control-plane RPC queue
  'ratelimiting_metrics', // rate-limiting counters (policy "cluster")
  'response_ratelimiting_metrics', // response-ratelimiting counters
  'sessions', // session plugin: one row per signed-in client, expiring
  'session_metadatas', // 3.10+ companion of sessions
  'oauth2_tokens', // oauth2 plugin: issued to clients by traffic, expiring
  'oauth2_authorization_codes', // oauth2 plugin: short-lived codes written by traffic
  'acme_storage', // acme plugin: certificates and challenges it obtains on its own
  'ttls', // 2.8: expiry bookkeeping of TTL'd rows, rewritten by Kong's expiry timer
  'clustering_sync_delta', // 3.9 incremental sync log, written by the control plane, no key
];

/**
 * Everything verify leaves out after the deploy: the runtime tables above, plus the tables that
 * `kong migrations` and the new version keep about the schema and the sync protocol rather than
 * about the configuration. `schema_meta` is rewritten by every migration (it is what tells verify
 * that Y's schema was migrated); `clustering_sync_version`/`_delta` are 3.9+ incremental-sync
 * counters; `workspace_entity_counters` (Enterprise) is derived from the entities themselves.
 * Configuration tables such as `key_sets`, `keys` or `parameters` stay compared.
 */
export const KONG_BOOKKEEPING_TABLES: readonly string[] = [
  ...KONG_RUNTIME_TABLES,
  'schema_meta',
  'clustering_sync_version',
  'workspace_entity_counters',
];
