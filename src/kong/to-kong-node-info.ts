import type { KongNodeInfo, KongNodeStatus } from './kong-admin.js';
import type { KongRoot, KongStatus } from './kong-schemas.js';

function sortedUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

function pluginNames(value: Record<string, unknown> | string[] | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return sortedUnique(value);
  // 3.x: {name: {version, priority}}; 2.8: {name: true}. A `false` value would mean "not loaded".
  return sortedUnique(Object.keys(value).filter((k) => value[k] !== false));
}

/** `configuration.plugins`: a list (3.x, 2.8) or a comma-separated string. */
function pluginSetting(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (list === undefined) return undefined;
  return list
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** 3.x `available_on_server` is `{name: {version, priority}}`; 2.8's `{name: true}` carries none. */
function pluginVersions(value: Record<string, unknown> | string[]): Record<string, string> | undefined {
  if (Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    const version = typeof v === 'object' && v !== null ? (v as { version?: unknown }).version : undefined;
    if (typeof version === 'string') out[name] = version;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function toBool(value: boolean | string | null | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  return undefined;
}

/** Normalises a validated `GET /` body (2.8 or 3.x) into KongNodeInfo. */
export function toKongNodeInfo(root: KongRoot): KongNodeInfo {
  const conf = root.configuration;
  const configuration: KongNodeInfo['configuration'] = {};
  if (typeof conf?.database === 'string') configuration.database = conf.database;
  if (typeof conf?.role === 'string') configuration.role = conf.role;
  const vitals = toBool(conf?.vitals);
  if (vitals !== undefined) configuration.vitals = vitals;
  if (typeof conf?.router_flavor === 'string') configuration.routerFlavor = conf.router_flavor;
  const setting = pluginSetting(conf?.plugins);
  if (setting !== undefined) configuration.plugins = setting;

  // `edition` exists from 3.6; older Enterprise builds say so in the version suffix.
  const edition = root.edition ?? (/enterprise/i.test(root.version) ? 'enterprise' : undefined);
  const enabled = root.plugins.enabled_in_cluster;
  const info: KongNodeInfo = {
    version: root.version,
    hostname: root.hostname ?? '',
    nodeId: root.node_id ?? '',
    plugins: {
      availableOnServer: pluginNames(root.plugins.available_on_server),
      enabledInCluster: Array.isArray(enabled) ? sortedUnique(enabled) : [],
    },
    configuration,
  };
  const versions = pluginVersions(root.plugins.available_on_server);
  if (versions !== undefined) info.plugins.versions = versions;
  if (edition !== undefined) info.edition = edition;
  return info;
}

/** Normalises a validated `GET /status` body. */
export function toKongNodeStatus(status: KongStatus): KongNodeStatus {
  const s = status.server;
  const out: KongNodeStatus = {
    server: {
      connectionsActive: s.connections_active,
      connectionsReading: s.connections_reading,
      connectionsWriting: s.connections_writing,
      connectionsWaiting: s.connections_waiting,
      connectionsAccepted: s.connections_accepted,
      connectionsHandled: s.connections_handled,
      totalRequests: s.total_requests,
    },
  };
  if (status.database) out.database = { reachable: status.database.reachable };
  if (status.configuration_hash !== undefined) out.configurationHash = status.configuration_hash;
  return out;
}
