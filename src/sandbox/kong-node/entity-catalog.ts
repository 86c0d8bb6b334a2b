import { kongVersionAtLeast } from './kong-version.js';

/** A row as node-postgres returns `SELECT *` (columns vary with the schema version). */
export type Row = Record<string, unknown>;
type Entity = Record<string, unknown>;

export interface EntityDef {
  /** Admin API collection name, e.g. "key-auths". */
  collection: string;
  table: string;
  /** Column that `/collection/{key}` accepts besides the id (Kong's endpoint_key). */
  endpointKey?: string;
  toEntity(row: Row, version: string): Entity;
}

const secs = (v: unknown): number | null => (v instanceof Date ? Math.floor(v.getTime() / 1000) : null);
const msecs = (v: unknown): number | null => (v instanceof Date ? v.getTime() / 1000 : null);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const val = (v: unknown): unknown => (v === undefined ? null : v);
const ref = (v: unknown): { id: string } | null => (typeof v === 'string' ? { id: v } : null);
/** jsonb[] may come back as JSON text per element. */
const jsonArray = (v: unknown): unknown =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? JSON.parse(x) : x)) : null;
/** Fields 3.3 added (updated_at on several entities) appear only on nodes of that version. */
const since33 = (version: string, row: Row, field: string, conv = secs): Entity =>
  kongVersionAtLeast(version, '3.3.0') ? { [field]: conv(row[field]) } : {};

const service = (r: Row): Entity => ({
  id: r.id,
  created_at: secs(r.created_at),
  updated_at: secs(r.updated_at),
  name: val(r.name),
  retries: num(r.retries),
  protocol: val(r.protocol),
  host: val(r.host),
  port: num(r.port),
  path: val(r.path),
  connect_timeout: num(r.connect_timeout),
  write_timeout: num(r.write_timeout),
  read_timeout: num(r.read_timeout),
  tags: val(r.tags),
  client_certificate: ref(r.client_certificate_id),
  tls_verify: val(r.tls_verify),
  tls_verify_depth: val(r.tls_verify_depth),
  ca_certificates: val(r.ca_certificates),
  enabled: r.enabled ?? true,
});

const route = (r: Row): Entity => ({
  id: r.id,
  created_at: secs(r.created_at),
  updated_at: secs(r.updated_at),
  name: val(r.name),
  protocols: val(r.protocols),
  methods: val(r.methods),
  hosts: val(r.hosts),
  paths: val(r.paths),
  headers: val(r.headers),
  snis: val(r.snis),
  sources: jsonArray(r.sources),
  destinations: jsonArray(r.destinations),
  https_redirect_status_code: val(r.https_redirect_status_code),
  regex_priority: num(r.regex_priority),
  strip_path: val(r.strip_path),
  path_handling: val(r.path_handling),
  preserve_host: val(r.preserve_host),
  request_buffering: val(r.request_buffering),
  response_buffering: val(r.response_buffering),
  tags: val(r.tags),
  service: ref(r.service_id),
});

/** Before 3.13, cjson wrote an empty record inside a plugin's config as `[]`; 3.13 writes `{}`. */
function emptyRecordsAsArrays(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.map((v) => emptyRecordsAsArrays(v, false));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 0 && !top) return [];
  return Object.fromEntries(entries.map(([k, v]) => [k, emptyRecordsAsArrays(v, false)]));
}

const plugin = (r: Row, v: string): Entity => ({
  id: r.id,
  name: r.name,
  ...(kongVersionAtLeast(v, '3.2.0') ? { instance_name: val(r.instance_name) } : {}),
  created_at: secs(r.created_at),
  ...since33(v, r, 'updated_at'),
  route: ref(r.route_id),
  service: ref(r.service_id),
  consumer: ref(r.consumer_id),
  config: kongVersionAtLeast(v, '3.13.0') ? r.config : emptyRecordsAsArrays(r.config),
  protocols: val(r.protocols),
  enabled: r.enabled,
  tags: val(r.tags),
});

const upstream = (r: Row, v: string): Entity => ({
  id: r.id,
  created_at: secs(r.created_at),
  ...since33(v, r, 'updated_at'),
  name: r.name,
  algorithm: val(r.algorithm),
  hash_on: val(r.hash_on),
  hash_fallback: val(r.hash_fallback),
  hash_on_header: val(r.hash_on_header),
  hash_fallback_header: val(r.hash_fallback_header),
  hash_on_cookie: val(r.hash_on_cookie),
  hash_on_cookie_path: val(r.hash_on_cookie_path),
  ...(kongVersionAtLeast(v, '3.0.0')
    ? {
        hash_on_query_arg: val(r.hash_on_query_arg),
        hash_fallback_query_arg: val(r.hash_fallback_query_arg),
        hash_on_uri_capture: val(r.hash_on_uri_capture),
        hash_fallback_uri_capture: val(r.hash_fallback_uri_capture),
      }
    : {}),
  slots: num(r.slots),
  healthchecks: val(r.healthchecks),
  tags: val(r.tags),
  host_header: val(r.host_header),
  client_certificate: ref(r.client_certificate_id),
  ...(kongVersionAtLeast(v, '3.1.0') ? { use_srv_name: r.use_srv_name ?? false } : {}),
});

/** Targets use millisecond timestamps (auto_timestamp_ms). */
export const targetEntity = (r: Row, v: string): Entity => ({
  id: r.id,
  created_at: msecs(r.created_at),
  ...since33(v, r, 'updated_at', msecs),
  upstream: ref(r.upstream_id),
  target: r.target,
  weight: num(r.weight),
  tags: val(r.tags),
});

export const ENTITIES: EntityDef[] = [
  { collection: 'services', table: 'services', endpointKey: 'name', toEntity: service },
  { collection: 'routes', table: 'routes', endpointKey: 'name', toEntity: route },
  { collection: 'plugins', table: 'plugins', toEntity: plugin },
  {
    collection: 'consumers',
    table: 'consumers',
    endpointKey: 'username',
    toEntity: (r, v) => ({
      id: r.id,
      created_at: secs(r.created_at),
      ...since33(v, r, 'updated_at'),
      username: val(r.username),
      custom_id: val(r.custom_id),
      tags: val(r.tags),
    }),
  },
  { collection: 'upstreams', table: 'upstreams', endpointKey: 'name', toEntity: upstream },
  { collection: 'targets', table: 'targets', toEntity: targetEntity },
  {
    collection: 'certificates',
    table: 'certificates',
    toEntity: (r, v) => ({
      id: r.id,
      created_at: secs(r.created_at),
      ...since33(v, r, 'updated_at'),
      cert: r.cert,
      key: r.key,
      cert_alt: val(r.cert_alt),
      key_alt: val(r.key_alt),
      tags: val(r.tags),
    }),
  },
  {
    collection: 'snis',
    table: 'snis',
    endpointKey: 'name',
    toEntity: (r, v) => ({
      id: r.id,
      name: r.name,
      created_at: secs(r.created_at),
      ...since33(v, r, 'updated_at'),
      tags: val(r.tags),
      certificate: ref(r.certificate_id),
    }),
  },
  {
    collection: 'ca_certificates',
    table: 'ca_certificates',
    toEntity: (r, v) => ({
      id: r.id,
      created_at: secs(r.created_at),
      ...since33(v, r, 'updated_at'),
      cert: r.cert,
      cert_digest: r.cert_digest,
      tags: val(r.tags),
    }),
  },
  {
    collection: 'key-auths',
    table: 'keyauth_credentials',
    endpointKey: 'key',
    toEntity: (r) => ({
      id: r.id,
      created_at: secs(r.created_at),
      consumer: ref(r.consumer_id),
      key: r.key,
      tags: val(r.tags),
      ttl: r.ttl instanceof Date ? Math.max(0, Math.round((r.ttl.getTime() - Date.now()) / 1000)) : null,
    }),
  },
];

/** Nested collections: `/<parent>/{p}/<child>` lists child rows whose `fk` is the parent's id. */
export const NESTED: { parent: string; child: string; entity: string; fk: string }[] = [
  { parent: 'services', child: 'routes', entity: 'routes', fk: 'service_id' },
  { parent: 'services', child: 'plugins', entity: 'plugins', fk: 'service_id' },
  { parent: 'routes', child: 'plugins', entity: 'plugins', fk: 'route_id' },
  { parent: 'consumers', child: 'plugins', entity: 'plugins', fk: 'consumer_id' },
  { parent: 'consumers', child: 'key-auth', entity: 'key-auths', fk: 'consumer_id' },
  { parent: 'upstreams', child: 'targets', entity: 'targets', fk: 'upstream_id' },
  { parent: 'upstreams', child: 'targets/all', entity: 'targets', fk: 'upstream_id' },
  { parent: 'certificates', child: 'snis', entity: 'snis', fk: 'certificate_id' },
];

export const entityByCollection = (collection: string): EntityDef | undefined =>
  ENTITIES.find((e) => e.collection === collection);
