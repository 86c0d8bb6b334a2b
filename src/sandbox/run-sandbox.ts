import type { Env } from '../config/env-schema.js';
import { isAppError } from '../errors.js';
import { SANDBOX_X_VERSION, type Sandbox, startSandbox } from './start-sandbox.js';

export interface RunSandboxOptions {
  env: Env;
  /** The raw environment: an explicit LOG_LEVEL, KONG_SANDBOX_NAME for a separate sandbox, KONG_SANDBOX_HYBRID=1. */
  raw: Readonly<Record<string, string | undefined>>;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

function banner(sandbox: Sandbox, xVersion: string): string {
  const u = sandbox.urls;
  return [
    '',
    'kong-upgrade-bot sandbox is running.',
    '',
    `  Open ${u.page}`,
    '  and type: /kong-upgrade start sandbox   (then approve the steps as Alex or Sam; break Y in the panel)',
    '',
    `  config      ${sandbox.configPath}`,
    `  Kong X      admin ${u.xAdmin}  proxy ${u.xProxy}  (${xVersion})`,
    `  Kong Y      admin ${u.yAdmin}  proxy ${u.yProxy}  (3.9.1)`,
    `  balancer    ${u.balancer}  (weights: ${u.balancerControl})`,
    `  bot         ${u.bot}`,
    '',
    'Press Ctrl-C to stop everything (and remove its databases, queue and work folder).',
    '',
  ].join('\n');
}

/** `npm run sandbox`: starts the sandbox, prints where to go, and stops it all on Ctrl-C / SIGTERM. */
export async function runSandbox(options: RunSandboxOptions): Promise<void> {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const { env, raw } = options;
  const starting = startSandbox({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    port: env.PORT,
    // Ctrl-C leaves nothing behind: databases, queue keys and the work directory go with it.
    removeOnStop: true,
    ...(raw.KONG_SANDBOX_NAME ? { name: raw.KONG_SANDBOX_NAME } : {}),
    // e.g. KONG_SANDBOX_X_VERSION=2.8.4: X exports Kong 2.8's metrics (an unsupported version is refused by the seeder).
    ...(raw.KONG_SANDBOX_X_VERSION ? { xVersion: raw.KONG_SANDBOX_X_VERSION } : {}),
    // KONG_SANDBOX_HYBRID=1: Y is a hybrid control plane with two data planes.
    ...(raw.KONG_SANDBOX_HYBRID === '1' ? { hybridY: true } : {}),
    // KONG_SANDBOX_NODES=3: X and Y are clusters of three nodes each (scraped per node).
    ...(raw.KONG_SANDBOX_NODES ? { nodes: Number(raw.KONG_SANDBOX_NODES) } : {}),
    // KONG_SANDBOX_WORKSPACES=1: Kong Enterprise workspaces, a second one (team-b) with its own service.
    ...(raw.KONG_SANDBOX_WORKSPACES === '1' ? { workspaces: true } : {}),
    // KONG_SANDBOX_GOVERNANCE=1: both approvers per step, a reason (in a modal) for rejects and rollbacks.
    ...(raw.KONG_SANDBOX_GOVERNANCE === '1' ? { governance: true } : {}),
    // Quiet by default so the lines below stay readable; LOG_LEVEL=info shows the bot's logs.
    logLevel: raw.LOG_LEVEL ? env.LOG_LEVEL : 'warn',
  });

  // Handlers first: a Ctrl-C while the sandbox is still starting stops what has started so far.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    out.write(`\n${signal}: stopping the sandbox…\n`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    const sandbox = await starting.catch(() => undefined);
    await sandbox?.stop();
    out.write('sandbox stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  let sandbox: Sandbox;
  try {
    sandbox = await starting;
  } catch (error) {
    if (stopping) return;
    if (isAppError(error)) {
      err.write(`kong-upgrade-bot sandbox cannot start:\n${error.message}\n`);
      process.exit(1);
    }
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      err.write(
        `kong-upgrade-bot sandbox cannot start: port ${env.PORT} is already in use; stop what uses it or set PORT=<another port>.\n`,
      );
      process.exit(1);
    }
    throw error;
  }
  if (!stopping) out.write(banner(sandbox, raw.KONG_SANDBOX_X_VERSION ?? SANDBOX_X_VERSION));
}
