-- Kong Gateway's PostgreSQL schema, as `kong migrations bootstrap` / `up` + `finish` leave it
-- (kong/db/migrations/core/*.lua and the bundled plugins' migrations; reference kong.md section 4).
-- Used by the sandbox and tests to stand in for a real Kong database, so pg_dump/pg_restore and
-- consistency checks see realistic tables, keys, constraints, triggers and column types.
--
-- Each block starts with a marker line `-- migration: <subsystem> <name> <first Kong version>`.
-- create-kong-schema.ts runs, in file order, the blocks whose version is <= the target version and
-- that schema_meta does not list yet, so calling it again with a newer version acts like
-- `kong migrations up` followed by `finish`. Blocks must therefore be safe to run exactly once on
-- a database that has every earlier block.

-- migration: core 000_base 2.8.0
CREATE TABLE IF NOT EXISTS workspaces (
  id         UUID PRIMARY KEY,
  name       TEXT UNIQUE,
  comment    TEXT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  meta       JSONB,
  config     JSONB
);
INSERT INTO workspaces (id, name, config, meta)
VALUES (gen_random_uuid(), 'default', '{}', '{}')
ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS tags (
  entity_id   UUID PRIMARY KEY,
  entity_name TEXT,
  tags        TEXT[]
);
CREATE INDEX IF NOT EXISTS tags_entity_name_idx ON tags (entity_name);
CREATE INDEX IF NOT EXISTS tags_tags_idx ON tags USING GIN (tags);

-- Kong's trigger keeps the tags table in step with every tagged entity (migration 003_100_to_110).
CREATE OR REPLACE FUNCTION sync_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'TRUNCATE') THEN
    DELETE FROM tags WHERE entity_name = TG_TABLE_NAME;
    RETURN NULL;
  ELSIF (TG_OP = 'DELETE') THEN
    DELETE FROM tags WHERE entity_id = OLD.id;
    RETURN OLD;
  ELSE
    -- Kong upserts a row for every entity, tagged or not: tags is the largest table.
    INSERT INTO tags (entity_id, entity_name, tags) VALUES (NEW.id, TG_TABLE_NAME, NEW.tags)
    ON CONFLICT (entity_id) DO UPDATE SET tags = EXCLUDED.tags;
    RETURN NEW;
  END IF;
END;
$$;

CREATE TABLE IF NOT EXISTS cluster_events (
  id        UUID PRIMARY KEY,
  node_id   UUID NOT NULL,
  at        TIMESTAMP WITH TIME ZONE NOT NULL,
  nbf       TIMESTAMP WITH TIME ZONE,
  expire_at TIMESTAMP WITH TIME ZONE NOT NULL,
  channel   TEXT,
  data      TEXT
);
CREATE INDEX IF NOT EXISTS cluster_events_at_idx ON cluster_events (at);
CREATE INDEX IF NOT EXISTS cluster_events_channel_idx ON cluster_events (channel);
CREATE INDEX IF NOT EXISTS cluster_events_expire_at_idx ON cluster_events (expire_at);

CREATE TABLE IF NOT EXISTS ttls (
  primary_key_value TEXT NOT NULL,
  primary_uuid_value UUID,
  table_name        TEXT NOT NULL,
  primary_key_name  TEXT NOT NULL,
  expire_at         TIMESTAMP WITHOUT TIME ZONE NOT NULL,
  PRIMARY KEY (primary_key_value, table_name)
);

CREATE TABLE IF NOT EXISTS parameters (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE
);
INSERT INTO parameters (key, value) VALUES ('cluster_id', gen_random_uuid()::text) ON CONFLICT DO NOTHING;

-- 2.8's vaults entity (beta); 3.0's 016 renames it sm_vaults.
CREATE TABLE IF NOT EXISTS vaults_beta (
  id          UUID PRIMARY KEY,
  ws_id       UUID REFERENCES workspaces (id),
  prefix      TEXT,
  name        TEXT NOT NULL,
  description TEXT,
  config      JSONB NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  updated_at  TIMESTAMP WITH TIME ZONE,
  tags        TEXT[],
  UNIQUE (id, ws_id),
  UNIQUE (prefix, ws_id)
);

CREATE TABLE IF NOT EXISTS certificates (
  id         UUID PRIMARY KEY,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  cert       TEXT,
  key        TEXT,
  cert_alt   TEXT,
  key_alt    TEXT,
  tags       TEXT[],
  ws_id      UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id)
);
CREATE INDEX IF NOT EXISTS certificates_tags_idx ON certificates USING GIN (tags);
CREATE TRIGGER certificates_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON certificates
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS ca_certificates (
  id          UUID PRIMARY KEY,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  cert        TEXT NOT NULL,
  cert_digest TEXT NOT NULL UNIQUE,
  tags        TEXT[]
);
CREATE INDEX IF NOT EXISTS ca_certificates_tags_idx ON ca_certificates USING GIN (tags);
CREATE TRIGGER ca_certificates_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON ca_certificates
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS snis (
  id             UUID PRIMARY KEY,
  created_at     TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  name           TEXT NOT NULL,
  certificate_id UUID,
  tags           TEXT[],
  ws_id          UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, name),
  FOREIGN KEY (certificate_id, ws_id) REFERENCES certificates (id, ws_id)
);
CREATE INDEX IF NOT EXISTS snis_certificate_id_idx ON snis (certificate_id);
CREATE TRIGGER snis_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON snis
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS services (
  id                    UUID PRIMARY KEY,
  created_at            TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  updated_at            TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  name                  TEXT,
  retries               BIGINT,
  protocol              TEXT,
  host                  TEXT,
  port                  BIGINT,
  path                  TEXT,
  connect_timeout       BIGINT,
  write_timeout         BIGINT,
  read_timeout          BIGINT,
  tags                  TEXT[],
  client_certificate_id UUID REFERENCES certificates (id),
  tls_verify            BOOLEAN,
  tls_verify_depth      SMALLINT,
  ca_certificates       UUID[],
  enabled               BOOLEAN DEFAULT true,
  ws_id                 UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, name)
);
CREATE INDEX IF NOT EXISTS services_fkey_client_certificate ON services (client_certificate_id);
CREATE INDEX IF NOT EXISTS services_tags_idx ON services USING GIN (tags);
CREATE TRIGGER services_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON services
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS routes (
  id                         UUID PRIMARY KEY,
  created_at                 TIMESTAMP WITH TIME ZONE,
  updated_at                 TIMESTAMP WITH TIME ZONE,
  name                       TEXT,
  service_id                 UUID,
  protocols                  TEXT[],
  methods                    TEXT[],
  hosts                      TEXT[],
  paths                      TEXT[],
  snis                       TEXT[],
  sources                    JSONB[],
  destinations               JSONB[],
  regex_priority             BIGINT,
  strip_path                 BOOLEAN,
  preserve_host              BOOLEAN,
  https_redirect_status_code INTEGER,
  headers                    JSONB,
  path_handling              TEXT DEFAULT 'v0',
  request_buffering          BOOLEAN,
  response_buffering         BOOLEAN,
  tags                       TEXT[],
  ws_id                      UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, name),
  FOREIGN KEY (service_id, ws_id) REFERENCES services (id, ws_id)
);
CREATE INDEX IF NOT EXISTS routes_service_id_idx ON routes (service_id);
CREATE INDEX IF NOT EXISTS routes_tags_idx ON routes USING GIN (tags);
CREATE TRIGGER routes_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON routes
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS consumers (
  id         UUID PRIMARY KEY,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  username   TEXT,
  custom_id  TEXT,
  tags       TEXT[],
  ws_id      UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, username),
  UNIQUE (ws_id, custom_id)
);
CREATE INDEX IF NOT EXISTS consumers_username_idx ON consumers (LOWER(username));
CREATE INDEX IF NOT EXISTS consumers_tags_idx ON consumers USING GIN (tags);
CREATE TRIGGER consumers_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON consumers
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS plugins (
  id          UUID UNIQUE,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  name        TEXT NOT NULL,
  consumer_id UUID,
  service_id  UUID,
  route_id    UUID,
  config      JSONB NOT NULL,
  enabled     BOOLEAN NOT NULL,
  cache_key   TEXT UNIQUE,
  protocols   TEXT[],
  tags        TEXT[],
  ws_id       UUID REFERENCES workspaces (id),
  PRIMARY KEY (id),
  UNIQUE (id, ws_id),
  FOREIGN KEY (consumer_id, ws_id) REFERENCES consumers (id, ws_id) ON DELETE CASCADE,
  FOREIGN KEY (service_id, ws_id) REFERENCES services (id, ws_id) ON DELETE CASCADE,
  FOREIGN KEY (route_id, ws_id) REFERENCES routes (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS plugins_name_idx ON plugins (name);
CREATE INDEX IF NOT EXISTS plugins_consumer_id_idx ON plugins (consumer_id);
CREATE INDEX IF NOT EXISTS plugins_service_id_idx ON plugins (service_id);
CREATE INDEX IF NOT EXISTS plugins_route_id_idx ON plugins (route_id);
CREATE INDEX IF NOT EXISTS plugins_tags_idx ON plugins USING GIN (tags);
CREATE TRIGGER plugins_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON plugins
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS upstreams (
  id                    UUID PRIMARY KEY,
  created_at            TIMESTAMP(3) WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC'),
  name                  TEXT,
  hash_on               TEXT,
  hash_fallback         TEXT,
  hash_on_header        TEXT,
  hash_fallback_header  TEXT,
  hash_on_cookie        TEXT,
  hash_on_cookie_path   TEXT,
  slots                 INTEGER NOT NULL,
  healthchecks          JSONB,
  tags                  TEXT[],
  algorithm             TEXT,
  host_header           TEXT,
  client_certificate_id UUID REFERENCES certificates (id),
  ws_id                 UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, name)
);
CREATE INDEX IF NOT EXISTS upstreams_fkey_client_certificate ON upstreams (client_certificate_id);
CREATE INDEX IF NOT EXISTS upstreams_tags_idx ON upstreams USING GIN (tags);
CREATE TRIGGER upstreams_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON upstreams
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS targets (
  id          UUID PRIMARY KEY,
  created_at  TIMESTAMP(3) WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC'),
  upstream_id UUID,
  target      TEXT NOT NULL,
  weight      INTEGER NOT NULL,
  tags        TEXT[],
  ws_id       UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  FOREIGN KEY (upstream_id, ws_id) REFERENCES upstreams (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS targets_target_idx ON targets (target);
CREATE INDEX IF NOT EXISTS targets_upstream_id_idx ON targets (upstream_id);
CREATE INDEX IF NOT EXISTS targets_tags_idx ON targets USING GIN (tags);
CREATE TRIGGER targets_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON targets
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

CREATE TABLE IF NOT EXISTS clustering_data_planes (
  id          UUID PRIMARY KEY,
  hostname    TEXT NOT NULL,
  ip          TEXT NOT NULL,
  last_seen   TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  config_hash TEXT NOT NULL,
  ttl         TIMESTAMP WITH TIME ZONE,
  version     TEXT,
  sync_status TEXT NOT NULL DEFAULT 'unknown'
);

-- migration: key-auth 003_200_to_210 2.8.0
CREATE TABLE IF NOT EXISTS keyauth_credentials (
  id          UUID PRIMARY KEY,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  consumer_id UUID,
  key         TEXT,
  tags        TEXT[],
  ttl         TIMESTAMP WITH TIME ZONE,
  ws_id       UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, key),
  FOREIGN KEY (consumer_id, ws_id) REFERENCES consumers (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS keyauth_credentials_consumer_id_idx ON keyauth_credentials (consumer_id);
CREATE INDEX IF NOT EXISTS keyauth_credentials_ttl_idx ON keyauth_credentials (ttl);
CREATE INDEX IF NOT EXISTS keyauth_credentials_key_idx ON keyauth_credentials (key);
CREATE INDEX IF NOT EXISTS keyauth_tags_idex_tags_idx ON keyauth_credentials USING GIN (tags);
CREATE TRIGGER keyauth_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON keyauth_credentials
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

-- migration: rate-limiting 004_200_to_210 2.8.0
CREATE TABLE IF NOT EXISTS ratelimiting_metrics (
  identifier  TEXT NOT NULL,
  period      TEXT NOT NULL,
  period_date TIMESTAMP WITH TIME ZONE NOT NULL,
  service_id  UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  route_id    UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  value       INTEGER,
  ttl         TIMESTAMP WITH TIME ZONE,
  PRIMARY KEY (identifier, period, period_date, service_id, route_id)
);
CREATE INDEX IF NOT EXISTS ratelimiting_metrics_idx ON ratelimiting_metrics (service_id, route_id, period_date, period);
CREATE INDEX IF NOT EXISTS ratelimiting_metrics_ttl_idx ON ratelimiting_metrics (ttl);

-- migration: acl 004_212_to_213 2.8.0
CREATE TABLE IF NOT EXISTS acls (
  id          UUID PRIMARY KEY,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  consumer_id UUID,
  "group"     TEXT,
  cache_key   TEXT UNIQUE,
  tags        TEXT[],
  ws_id       UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  FOREIGN KEY (consumer_id, ws_id) REFERENCES consumers (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS acls_consumer_id_idx ON acls (consumer_id);
CREATE INDEX IF NOT EXISTS acls_group_idx ON acls ("group");
CREATE TRIGGER acls_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON acls
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

-- migration: basic-auth 000_base_basic_auth 2.8.0
CREATE TABLE IF NOT EXISTS basicauth_credentials (
  id          UUID PRIMARY KEY,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  consumer_id UUID,
  username    TEXT,
  password    TEXT,
  tags        TEXT[],
  ws_id       UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, username),
  FOREIGN KEY (consumer_id, ws_id) REFERENCES consumers (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS basicauth_consumer_id_idx ON basicauth_credentials (consumer_id);
CREATE TRIGGER basicauth_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON basicauth_credentials
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

-- migration: hmac-auth 000_base_hmac_auth 2.8.0
CREATE TABLE IF NOT EXISTS hmacauth_credentials (
  id          UUID PRIMARY KEY,
  created_at  TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  consumer_id UUID,
  username    TEXT,
  secret      TEXT,
  tags        TEXT[],
  ws_id       UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, username),
  FOREIGN KEY (consumer_id, ws_id) REFERENCES consumers (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS hmacauth_credentials_consumer_id_idx ON hmacauth_credentials (consumer_id);
CREATE TRIGGER hmacauth_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON hmacauth_credentials
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

-- migration: jwt 000_base_jwt 2.8.0
CREATE TABLE IF NOT EXISTS jwt_secrets (
  id             UUID PRIMARY KEY,
  created_at     TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  consumer_id    UUID,
  key            TEXT,
  secret         TEXT,
  algorithm      TEXT,
  rsa_public_key TEXT,
  tags           TEXT[],
  ws_id          UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, key),
  FOREIGN KEY (consumer_id, ws_id) REFERENCES consumers (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS jwt_secrets_consumer_id_idx ON jwt_secrets (consumer_id);
CREATE TRIGGER jwtsecrets_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON jwt_secrets
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();

-- migration: oauth2 000_base_oauth2 2.8.0
CREATE TABLE IF NOT EXISTS oauth2_credentials (
  id            UUID PRIMARY KEY,
  created_at    TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  name          TEXT,
  consumer_id   UUID,
  client_id     TEXT,
  client_secret TEXT,
  redirect_uris TEXT[],
  hash_secret   BOOLEAN,
  client_type   TEXT,
  tags          TEXT[],
  ws_id         UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, client_id),
  FOREIGN KEY (consumer_id, ws_id) REFERENCES consumers (id, ws_id) ON DELETE CASCADE
);
CREATE TRIGGER oauth2_credentials_sync_tags_trigger AFTER INSERT OR UPDATE OF tags OR DELETE ON oauth2_credentials
  FOR EACH ROW EXECUTE PROCEDURE sync_tags();
CREATE TABLE IF NOT EXISTS oauth2_authorization_codes (
  id                   UUID PRIMARY KEY,
  created_at           TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  credential_id        UUID,
  service_id           UUID,
  code                 TEXT,
  authenticated_userid TEXT,
  scope                TEXT,
  ttl                  TIMESTAMP WITH TIME ZONE,
  challenge            TEXT,
  challenge_method     TEXT,
  plugin_id            UUID,
  ws_id                UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, code),
  FOREIGN KEY (credential_id, ws_id) REFERENCES oauth2_credentials (id, ws_id) ON DELETE CASCADE,
  FOREIGN KEY (service_id, ws_id) REFERENCES services (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS oauth2_authorization_codes_ttl_idx ON oauth2_authorization_codes (ttl);
CREATE TABLE IF NOT EXISTS oauth2_tokens (
  id                   UUID PRIMARY KEY,
  created_at           TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  credential_id        UUID,
  service_id           UUID,
  access_token         TEXT,
  refresh_token        TEXT,
  token_type           TEXT,
  expires_in           INTEGER,
  authenticated_userid TEXT,
  scope                TEXT,
  ttl                  TIMESTAMP WITH TIME ZONE,
  ws_id                UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, access_token),
  UNIQUE (ws_id, refresh_token),
  FOREIGN KEY (credential_id, ws_id) REFERENCES oauth2_credentials (id, ws_id) ON DELETE CASCADE,
  FOREIGN KEY (service_id, ws_id) REFERENCES services (id, ws_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS oauth2_tokens_ttl_idx ON oauth2_tokens (ttl);

-- migration: response-ratelimiting 000_base_response_rate_limiting 2.8.0
CREATE TABLE IF NOT EXISTS response_ratelimiting_metrics (
  identifier  TEXT NOT NULL,
  period      TEXT NOT NULL,
  period_date TIMESTAMP WITH TIME ZONE NOT NULL,
  service_id  UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  route_id    UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::uuid,
  value       INTEGER,
  ttl         TIMESTAMP WITH TIME ZONE,
  PRIMARY KEY (identifier, period, period_date, service_id, route_id)
);

-- migration: session 000_base_session 2.8.0
CREATE TABLE IF NOT EXISTS sessions (
  id         UUID PRIMARY KEY,
  session_id TEXT UNIQUE,
  expires    INTEGER,
  data       TEXT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  ttl        TIMESTAMP WITH TIME ZONE
);
CREATE INDEX IF NOT EXISTS sessions_ttl_idx ON sessions (ttl);

-- migration: acme 000_base_acme 2.8.0
CREATE TABLE IF NOT EXISTS acme_storage (
  id         UUID PRIMARY KEY,
  key        TEXT UNIQUE,
  value      TEXT,
  created_at TIMESTAMP WITH TIME ZONE,
  ttl        TIMESTAMP WITH TIME ZONE
);

-- migration: core 016_280_to_300 3.0.0
ALTER TABLE routes ADD COLUMN IF NOT EXISTS expression TEXT;
ALTER TABLE routes ADD COLUMN IF NOT EXISTS priority BIGINT;
ALTER TABLE upstreams ADD COLUMN IF NOT EXISTS hash_on_query_arg TEXT;
ALTER TABLE upstreams ADD COLUMN IF NOT EXISTS hash_fallback_query_arg TEXT;
ALTER TABLE upstreams ADD COLUMN IF NOT EXISTS hash_on_uri_capture TEXT;
ALTER TABLE upstreams ADD COLUMN IF NOT EXISTS hash_fallback_uri_capture TEXT;
ALTER TABLE targets ADD COLUMN IF NOT EXISTS cache_key TEXT UNIQUE;
-- 3.x no longer guesses: a path that is not plain (migrate_path_280_300.lua) becomes an explicit
-- `~` regex path.
UPDATE routes SET paths = (
  SELECT array_agg(CASE WHEN p ~ '^[a-zA-Z0-9.\-_~/%]*$' OR p LIKE '~%' THEN p ELSE '~' || p END ORDER BY o)
  FROM unnest(paths) WITH ORDINALITY AS u(p, o)
) WHERE paths IS NOT NULL;
-- The teardown keeps only the newest of duplicate targets and fills their cache keys.
DELETE FROM targets t USING targets newer
  WHERE t.upstream_id = newer.upstream_id AND t.target = newer.target
    AND (t.created_at, t.id) < (newer.created_at, newer.id);
UPDATE targets SET cache_key = 'targets:' || upstream_id || ':' || target || '::::' || ws_id;
CREATE TABLE IF NOT EXISTS sm_vaults (
  id          UUID PRIMARY KEY,
  ws_id       UUID REFERENCES workspaces (id),
  prefix      TEXT,
  name        TEXT NOT NULL,
  description TEXT,
  config      JSONB NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE,
  updated_at  TIMESTAMP WITH TIME ZONE,
  tags        TEXT[],
  UNIQUE (id, ws_id),
  UNIQUE (prefix, ws_id)
);
DROP TABLE IF EXISTS ttls;
DROP TABLE IF EXISTS vaults_beta;

-- migration: core 017_300_to_310 3.1.0
ALTER TABLE upstreams ADD COLUMN IF NOT EXISTS use_srv_name BOOLEAN DEFAULT false;
CREATE TABLE IF NOT EXISTS key_sets (
  id         UUID PRIMARY KEY,
  name       TEXT,
  tags       TEXT[],
  ws_id      UUID REFERENCES workspaces (id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, name),
  created_at TIMESTAMP WITH TIME ZONE,
  updated_at TIMESTAMP WITH TIME ZONE
);
CREATE TABLE IF NOT EXISTS keys (
  id         UUID PRIMARY KEY,
  set_id     UUID REFERENCES key_sets (id) ON DELETE CASCADE,
  name       TEXT,
  cache_key  TEXT UNIQUE,
  ws_id      UUID REFERENCES workspaces (id),
  kid        TEXT,
  jwk        TEXT,
  pem        JSONB,
  tags       TEXT[],
  created_at TIMESTAMP WITH TIME ZONE,
  updated_at TIMESTAMP WITH TIME ZONE,
  UNIQUE (kid, set_id),
  UNIQUE (id, ws_id),
  UNIQUE (ws_id, name)
);

-- migration: core 018_310_to_320 3.2.0
ALTER TABLE plugins ADD COLUMN IF NOT EXISTS instance_name TEXT;
ALTER TABLE plugins ADD CONSTRAINT plugins_ws_id_instance_name_unique UNIQUE (ws_id, instance_name);

-- migration: core 019_320_to_330 3.3.0
ALTER TABLE ca_certificates ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE certificates ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE consumers ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE plugins ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE snis ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE targets ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP(3) WITH TIME ZONE;
ALTER TABLE upstreams ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE clustering_data_planes ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP WITH TIME ZONE;

-- migration: key-auth 004_320_to_330 3.3.0
CREATE OR REPLACE FUNCTION batch_delete_expired_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE FORMAT('WITH rows AS (SELECT ctid FROM %s WHERE %s < CURRENT_TIMESTAMP AT TIME ZONE ''UTC'' '
                 'ORDER BY %s LIMIT 2 FOR UPDATE SKIP LOCKED) DELETE FROM %s WHERE ctid IN (TABLE rows)',
                 TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[0], TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
CREATE TRIGGER keyauth_credentials_ttl_trigger AFTER INSERT ON keyauth_credentials
  FOR EACH STATEMENT EXECUTE PROCEDURE batch_delete_expired_rows('ttl');

-- migration: oauth2 007_320_to_330 3.3.0
CREATE TRIGGER oauth2_authorization_codes_ttl_trigger AFTER INSERT ON oauth2_authorization_codes
  FOR EACH STATEMENT EXECUTE PROCEDURE batch_delete_expired_rows('ttl');
CREATE TRIGGER oauth2_tokens_ttl_trigger AFTER INSERT ON oauth2_tokens
  FOR EACH STATEMENT EXECUTE PROCEDURE batch_delete_expired_rows('ttl');

-- migration: session 002_320_to_330 3.3.0
CREATE TRIGGER sessions_ttl_trigger AFTER INSERT ON sessions
  FOR EACH STATEMENT EXECUTE PROCEDURE batch_delete_expired_rows('ttl');

-- migration: acme 003_350_to_360 3.6.0
CREATE TRIGGER acme_storage_ttl_trigger AFTER INSERT ON acme_storage
  FOR EACH STATEMENT EXECUTE PROCEDURE batch_delete_expired_rows('ttl');

-- migration: core 020_330_to_340 3.4.0
CREATE TABLE IF NOT EXISTS filter_chains (
  id         UUID PRIMARY KEY,
  name       TEXT,
  enabled    BOOLEAN DEFAULT true,
  route_id   UUID REFERENCES routes (id) ON DELETE CASCADE,
  service_id UUID REFERENCES services (id) ON DELETE CASCADE,
  ws_id      UUID REFERENCES workspaces (id) ON DELETE CASCADE,
  cache_key  TEXT UNIQUE,
  filters    JSONB[],
  tags       TEXT[],
  created_at TIMESTAMP WITH TIME ZONE,
  updated_at TIMESTAMP WITH TIME ZONE,
  UNIQUE (ws_id, name)
);

-- migration: core 021_340_to_350 3.5.0
ALTER TABLE clustering_data_planes ADD COLUMN IF NOT EXISTS labels JSONB;

-- migration: core 022_350_to_360 3.6.0
ALTER TABLE clustering_data_planes ADD COLUMN IF NOT EXISTS cert_details JSONB;

-- migration: rate-limiting 006_350_to_360 3.6.0
-- Flat redis_* fields move into the `redis` record (kong/plugins/rate-limiting/migrations).
UPDATE plugins SET config = (config - 'redis_host' - 'redis_port' - 'redis_password' - 'redis_username'
    - 'redis_ssl' - 'redis_ssl_verify' - 'redis_server_name' - 'redis_timeout' - 'redis_database')
  || jsonb_build_object('redis', jsonb_build_object(
       'host', config -> 'redis_host', 'port', COALESCE(config -> 'redis_port', '6379'::jsonb),
       'password', config -> 'redis_password', 'username', config -> 'redis_username',
       'ssl', COALESCE(config -> 'redis_ssl', 'false'::jsonb),
       'ssl_verify', COALESCE(config -> 'redis_ssl_verify', 'false'::jsonb),
       'server_name', config -> 'redis_server_name',
       'timeout', COALESCE(config -> 'redis_timeout', '2000'::jsonb),
       'database', COALESCE(config -> 'redis_database', '0'::jsonb)))
  WHERE name = 'rate-limiting' AND NOT config ? 'redis';

-- migration: core 023_360_to_370 3.7.0
ALTER TABLE clustering_data_planes ADD COLUMN IF NOT EXISTS rpc_capabilities TEXT[];

-- migration: core 024_380_to_390 3.9.0
CREATE TABLE IF NOT EXISTS clustering_sync_version (
  version SERIAL PRIMARY KEY
);
-- The incremental-sync log has no primary key (dropped again by 3.10's 025_390_to_3100).
CREATE TABLE IF NOT EXISTS clustering_sync_delta (
  version    INTEGER NOT NULL,
  type       TEXT NOT NULL,
  pk         JSON NOT NULL,
  ws_id      UUID NOT NULL,
  entity     JSON,
  FOREIGN KEY (version) REFERENCES clustering_sync_version (version) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS clustering_sync_delta_version_idx ON clustering_sync_delta (version);
