/**
 * The `application_name` of the bot's own PostgreSQL connections, so an operator can tell them apart
 * in pg_stat_activity and pg_locks (e.g. which session holds a job lease). An application_name in
 * DATABASE_URL wins over it.
 */
export function applicationName(role: 'pool' | 'run changes' | 'job leases' | 'migrations'): string {
  return `kong-upgrade-bot ${role}`;
}
