import type pg from 'pg';
import { kongVersionAtLeast } from './kong-version.js';

export interface KeyAuthSettings {
  keyNames: string[];
  inHeader: boolean;
  inQuery: boolean;
}

export interface RouteEntry {
  routeId: string;
  /** Prometheus `route` label: route name, else id. */
  routeLabel: string;
  /** Prometheus `service` label: service name, else host ("" without a service). */
  serviceLabel: string;
  servicePath: string | null;
  methods: string[] | null;
  hosts: string[] | null;
  stripPath: boolean;
  prefix?: string;
  regex?: RegExp;
  keyAuth?: KeyAuthSettings;
}

export interface RoutingTable {
  entries: RouteEntry[];
  prometheusEnabled: boolean;
  perConsumer: boolean;
  /**
   * What the prometheus plugin records (Kong 3.x: `status_code_metrics`, `latency_metrics`,
   * `bandwidth_metrics`, each false unless set; 2.8 records everything). A plugin row restored from
   * 2.8 sets none of them, so a 3.x node then exports no request counters at all.
   */
  prometheusFlags: PrometheusFlags;
}

export interface PrometheusFlags {
  statusCodes: boolean;
  latency: boolean;
  bandwidth: boolean;
}

/** 2.x treated any path with a character outside this set as a regex (migrate_path_280_300.lua). */
const PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*$/;

interface RouteRow {
  id: string;
  name: string | null;
  paths: string[] | null;
  methods: string[] | null;
  hosts: string[] | null;
  strip_path: boolean | null;
  regex_priority: string | null;
  created_at: Date | null;
  service_id: string | null;
  service_name: string | null;
  service_host: string | null;
  service_path: string | null;
  service_enabled: boolean | null;
}

interface PluginRow {
  name: string;
  route_id: string | null;
  service_id: string | null;
  consumer_id: string | null;
  config: Record<string, unknown>;
}

function keyAuthSettings(config: Record<string, unknown>): KeyAuthSettings {
  const names = Array.isArray(config.key_names) ? config.key_names.filter((n) => typeof n === 'string') : [];
  return {
    keyNames: names.length > 0 ? names : ['apikey'],
    inHeader: config.key_in_header !== false,
    inQuery: config.key_in_query !== false,
  };
}

/** Reads routes, services and plugins and compiles them the way Kong's router orders them. */
export async function loadRoutingTable(pool: pg.Pool, version: string): Promise<RoutingTable> {
  const routes = await pool.query<RouteRow>(
    `SELECT r.id, r.name, r.paths, r.methods, r.hosts, r.strip_path, r.regex_priority, r.created_at, r.service_id,
            s.name AS service_name, s.host AS service_host, s.path AS service_path, s.enabled AS service_enabled
     FROM routes r LEFT JOIN services s ON s.id = r.service_id`,
  );
  const plugins = await pool.query<PluginRow>(
    'SELECT name, route_id, service_id, consumer_id, config FROM plugins WHERE enabled',
  );
  const keyAuth = new Map<string, KeyAuthSettings>();
  let globalKeyAuth: KeyAuthSettings | undefined;
  let prometheusEnabled = false;
  let perConsumer = false;
  const prometheusFlags: PrometheusFlags = { statusCodes: false, latency: false, bandwidth: false };
  for (const p of plugins.rows) {
    if (p.name === 'prometheus') {
      prometheusEnabled = true;
      perConsumer ||= p.config.per_consumer === true;
      prometheusFlags.statusCodes ||= p.config.status_code_metrics === true;
      prometheusFlags.latency ||= p.config.latency_metrics === true;
      prometheusFlags.bandwidth ||= p.config.bandwidth_metrics === true;
    }
    if (p.name !== 'key-auth' || p.consumer_id) continue;
    const settings = keyAuthSettings(p.config);
    if (p.route_id) keyAuth.set(`route:${p.route_id}`, settings);
    else if (p.service_id) keyAuth.set(`service:${p.service_id}`, settings);
    else globalKeyAuth = settings;
  }
  const v3 = kongVersionAtLeast(version, '3.0.0');
  const regexEntries: { entry: RouteEntry; priority: number; created: number }[] = [];
  const prefixEntries: RouteEntry[] = [];
  for (const r of routes.rows) {
    // Kong 3.x does not route to a disabled service.
    if (r.service_enabled === false) continue;
    const base: RouteEntry = {
      routeId: r.id,
      routeLabel: r.name ?? r.id,
      serviceLabel: r.service_name ?? r.service_host ?? '',
      servicePath: r.service_path,
      methods: r.methods,
      hosts: r.hosts,
      stripPath: r.strip_path !== false,
      keyAuth:
        keyAuth.get(`route:${r.id}`) ??
        (r.service_id ? keyAuth.get(`service:${r.service_id}`) : undefined) ??
        globalKeyAuth,
    };
    for (const path of r.paths ?? ['/']) {
      const isRegex = v3 ? path.startsWith('~') : !PLAIN_PATH.test(path);
      if (!isRegex) {
        prefixEntries.push({ ...base, prefix: path });
        continue;
      }
      try {
        const regex = new RegExp(`^(?:${v3 ? path.slice(1) : path})`);
        regexEntries.push({
          entry: { ...base, regex },
          priority: Number(r.regex_priority ?? 0),
          created: r.created_at?.getTime() ?? 0,
        });
      } catch {
        // A regex JavaScript cannot compile never matches here (Kong would reject it at write time).
      }
    }
  }
  regexEntries.sort((a, b) => b.priority - a.priority || a.created - b.created);
  prefixEntries.sort((a, b) => (b.prefix?.length ?? 0) - (a.prefix?.length ?? 0));
  return {
    entries: [...regexEntries.map((e) => e.entry), ...prefixEntries],
    prometheusEnabled,
    perConsumer,
    // 2.8's plugin has no such switches: it records everything.
    prometheusFlags: v3 ? prometheusFlags : { statusCodes: true, latency: true, bandwidth: true },
  };
}

function hostMatches(hosts: string[], host: string): boolean {
  return hosts.some((h) =>
    h.startsWith('*.')
      ? host.endsWith(h.slice(1))
      : h.endsWith('.*')
        ? host.startsWith(h.slice(0, -1))
        : h === host,
  );
}

/** Regex paths first (by regex_priority), then the longest matching prefix, as Kong's router does. */
export function matchRoute(
  table: RoutingTable,
  method: string,
  host: string,
  path: string,
): { entry: RouteEntry; upstreamPath: string } | undefined {
  for (const entry of table.entries) {
    if (entry.methods && !entry.methods.includes(method)) continue;
    if (entry.hosts && !hostMatches(entry.hosts, host)) continue;
    let matched: string | undefined;
    if (entry.regex) matched = entry.regex.exec(path)?.[0];
    else if (entry.prefix !== undefined && path.startsWith(entry.prefix)) matched = entry.prefix;
    if (matched === undefined) continue;
    let rest = entry.stripPath ? path.slice(matched.length) : path;
    if (!rest.startsWith('/')) rest = `/${rest}`;
    const upstreamPath = entry.servicePath ? `${entry.servicePath.replace(/\/$/, '')}${rest}` : rest;
    return { entry, upstreamPath };
  }
  return undefined;
}
