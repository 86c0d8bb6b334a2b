import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors.js';

/** Where one sandbox keeps its state: databases, the BullMQ prefix and a work directory. */
export interface SandboxNames {
  xDatabase: string;
  yDatabase: string;
  /** The bot's own database, never the production one (`kong_upgrade`). */
  botDatabase: string;
  queuePrefix: string;
  /** Holds the written config file and the backups. */
  workDir: string;
}

const NAME = /^[a-z0-9_]{1,24}$/;

/**
 * The fixed names of `npm run sandbox`, or, with `name`, names of their own so that several sandboxes
 * (tests running in parallel) never share a database or a queue.
 */
export function sandboxNames(name?: string, baseDir: string = tmpdir()): SandboxNames {
  if (name !== undefined && !NAME.test(name)) {
    throw new AppError(
      'E_INVALID_INPUT',
      `The sandbox name "${name}" is not valid: use 1–24 lower-case letters, digits or underscores.`,
    );
  }
  const suffix = name === undefined ? '' : `_${name}`;
  return {
    xDatabase: `kong_sandbox_x${suffix}`,
    yDatabase: `kong_sandbox_y${suffix}`,
    botDatabase: `kong_upgrade_sandbox${suffix}`,
    queuePrefix: `kong-sandbox${name === undefined ? '' : `-${name}`}`,
    workDir: join(baseDir, `kong-upgrade-sandbox${name === undefined ? '' : `-${name}`}`),
  };
}

/** The same server and credentials as `serverUrl`, with another database name. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
