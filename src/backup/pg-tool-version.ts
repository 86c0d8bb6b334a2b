import { join } from 'node:path';
import pg from 'pg';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { classifyPgClientError } from './classify-pg-client-error.js';
import { spawnPgTool } from './spawn-pg-tool.js';

export type PgTool = 'pg_dump' | 'pg_restore';

export interface PgToolVersion {
  major: number;
  minor: number;
  text: string;
}

export interface PgToolOptions {
  /** Directory holding pg_dump/pg_restore; default: found on PATH. */
  binDir?: string;
  /** For the install hint when the tool is missing. */
  serverMajor?: number;
  signal?: AbortSignal;
}

/** Path (or bare name, resolved through PATH) of a tool. */
export function pgToolPath(tool: PgTool, binDir?: string): string {
  return binDir === undefined ? tool : join(binDir, tool);
}

/** Parses `pg_dump (PostgreSQL) 15.20 (Debian …)`; null when the text is not a version line. */
export function parsePgToolVersion(text: string): PgToolVersion | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
  if (match?.[1] === undefined) return null;
  return { major: Number(match[1]), minor: Number(match[2] ?? 0), text: text.trim() };
}

/** Runs `<tool> --version`. Missing binary → E_PGDUMP_MISSING saying which package to install. */
export async function pgToolVersion(tool: PgTool, opts: PgToolOptions = {}): Promise<PgToolVersion> {
  const run = await spawnPgTool({
    command: pgToolPath(tool, opts.binDir),
    args: ['--version'],
    captureStdout: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const pkg = `postgresql-client-${opts.serverMajor ?? '<server major>'}`;
  if (run.spawnError !== undefined) {
    throw new AppError(
      'E_PGDUMP_MISSING',
      `${tool} was not found${opts.binDir ? ` in ${opts.binDir}` : ' on PATH'}. Install ${pkg} on the worker machines, then retry.`,
      { cause: run.spawnError, details: { tool, errno: run.spawnError.code } },
    );
  }
  const version = parsePgToolVersion(run.stdout);
  if (run.exitCode !== 0 || version === null) {
    throw new AppError(
      'E_PGDUMP_MISSING',
      `${tool} --version did not report a PostgreSQL version (exit ${run.exitCode ?? 'none'}: ${[...run.stderrTail, run.stdout].join(' ').trim().slice(0, 200)}). Install ${pkg}, then retry.`,
      { details: { tool } },
    );
  }
  return version;
}

/** Major version of the server behind a URL (e.g. 15). */
export async function serverMajor(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {
    // A dropped idle connection is reported by the failing query instead.
  });
  try {
    await client.connect();
    const result = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    const num = Number(result.rows[0]?.server_version_num);
    return Math.floor(num / 10_000);
  } catch (error) {
    throw classifyPgClientError(error, maskUrl(databaseUrl), 'read the server version');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Throws E_PGDUMP_VERSION when the tool is older than the server (pg_dump refuses newer servers). */
export function assertToolSupportsServer(tool: PgTool, version: PgToolVersion, server: number): void {
  if (version.major < server) {
    throw new AppError(
      'E_PGDUMP_VERSION',
      `${tool} ${version.major}.${version.minor} is older than the PostgreSQL ${server} server. Install postgresql-client-${server} (or newer) on the worker machines, then retry.`,
      { details: { tool, toolMajor: version.major, serverMajor: server } },
    );
  }
}
