import pg from 'pg';
import { readProcessEnv } from '../config/read-process-env.js';
import { isAppError } from '../errors.js';
import { createKongSchema } from './create-kong-schema.js';
import { kongPgUrl } from './kong-pg-url.js';

/**
 * The sandbox's `kong migrations up|finish --version <v>`: brings the database named by KONG_PG_* to
 * Kong <v>'s schema, as the real commands do for Y after the restore. Both steps run the missing
 * migrations (the simulated node has no pending/finished split), so running either twice is a no-op.
 * For migration rehearsals: `--delay-ms N` makes the run take N ms longer (a big table), `--fail TEXT`
 * makes it fail with TEXT after that delay, changing nothing.
 * `enable-prometheus-metrics` sets the 3.x prometheus plugin's `status_code_metrics`,
 * `latency_metrics` and `bandwidth_metrics` to true (what preflight asks for after a 2.8 restore, where
 * the plugin row sets none of them and a 3.x Y would export no request metrics).
 */
const USAGE =
  'usage: kong-migrations-cli.ts <up|finish> --version <kong version> [--delay-ms <ms>] [--fail <message>]\n' +
  '       kong-migrations-cli.ts enable-prometheus-metrics';

interface Args {
  step: 'up' | 'finish';
  version: string;
  delayMs: number;
  fail?: string;
}

function parseArgs(argv: string[]): Args | undefined {
  const [step, ...rest] = argv;
  if ((step !== 'up' && step !== 'finish') || rest.length % 2 !== 0) return undefined;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i] ?? '', rest[i + 1] ?? ''];
    if (!['--version', '--delay-ms', '--fail'].includes(flag) || flags.has(flag) || value === '')
      return undefined;
    flags.set(flag, value);
  }
  const version = flags.get('--version');
  const delay = flags.get('--delay-ms') ?? '0';
  if (!version || !/^\d{1,7}$/.test(delay)) return undefined;
  const fail = flags.get('--fail');
  return { step, version, delayMs: Number(delay), ...(fail !== undefined ? { fail } : {}) };
}

/** The deploy step a team adds after a 2.8 restore (as `PATCH /plugins/{id}` would do on Y). */
async function enablePrometheusMetrics(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const res = await client.query(
      `UPDATE plugins SET config = config || '{"status_code_metrics": true, "latency_metrics": true, "bandwidth_metrics": true}'::jsonb
        WHERE name = 'prometheus'`,
    );
    process.stdout.write(
      `prometheus plugin: status_code_metrics, latency_metrics and bandwidth_metrics on (${res.rowCount ?? 0} plugin row${res.rowCount === 1 ? '' : 's'})\n`,
    );
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === 'enable-prometheus-metrics') {
    return enablePrometheusMetrics(kongPgUrl(readProcessEnv()));
  }
  const args = parseArgs(argv);
  if (!args) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const url = kongPgUrl(readProcessEnv());
  if (args.delayMs > 0) {
    process.stdout.write(`migrations ${args.step}: migrating a large table (about ${args.delayMs} ms)\n`);
    // Busy on the database, as a long migration is (a DROP … WITH (FORCE) must end it).
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query('SELECT pg_sleep($1)', [args.delayMs / 1000]);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (args.fail !== undefined) {
    process.stderr.write(`migrations ${args.step}: ${args.fail}\n`);
    return 1;
  }
  const { applied } = await createKongSchema(url, { version: args.version });
  process.stdout.write(
    applied.length === 0
      ? `migrations ${args.step}: database is already up to date for Kong ${args.version}\n`
      : `migrations ${args.step}: ${applied.length} migration${applied.length === 1 ? '' : 's'} run for Kong ${args.version}: ${applied.join(', ')}\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // AppError messages are written for people and never hold the password; anything else might.
    process.stderr.write(
      `migrations failed: ${isAppError(error) ? error.message : 'unexpected error (see the sandbox logs)'}\n`,
    );
    process.exit(1);
  },
);
