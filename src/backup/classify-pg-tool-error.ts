import { AppError, type ErrorCode } from '../errors.js';

export interface PgToolFailure {
  tool: 'pg_dump' | 'pg_restore';
  exitCode: number | null;
  /** The last lines of the tool's stderr. */
  stderr: string;
  /** Masked URL (never the raw one) of the database the tool talked to. */
  maskedUrl: string;
  /** Directory the tool wrote to or read from. */
  dir?: string;
  /** errno code when the tool could not even be started. */
  spawnErrorCode?: string;
  /** Server major version, for the install hint. */
  serverMajor?: number;
}

interface Rule {
  code: ErrorCode;
  retryable: boolean;
  test: RegExp;
  advice: (f: PgToolFailure) => string;
}

// Order matters: the first match wins. Texts are libpq/pg_dump messages (English locale, which the
// runners force with LC_MESSAGES=C), matched case-sensitively where case tells strerror from SQL errors.
const RULES: Rule[] = [
  {
    code: 'E_PGDUMP_VERSION',
    retryable: false,
    test: /server version mismatch|unsupported version \([\d.]+\) in file header/,
    advice: (f) =>
      `${f.tool} is older than the server it talks to. Install postgresql-client-${f.serverMajor ?? '<server major>'} (the tool's major version must be at least the server's) and retry.`,
  },
  {
    code: 'E_PG_AUTH',
    retryable: false,
    test: /password authentication failed|no pg_hba\.conf entry|is not permitted to log in|role "[^"]*" does not exist|no password supplied|SCRAM authentication|authentication failed/,
    advice: (f) =>
      `The server refused the login for ${f.maskedUrl}. Check the user and password in the configured database URL and the server's pg_hba.conf, then retry.`,
  },
  {
    code: 'E_PG_DATABASE_MISSING',
    retryable: false,
    test: /database "[^"]*" does not exist/,
    advice: (f) =>
      `The database in ${f.maskedUrl} does not exist. Check the database name in the configured URL (or create the database), then retry.`,
  },
  {
    code: 'E_PG_UNREACHABLE',
    retryable: true,
    test: /Connection refused|could not translate host name|timeout expired|Connection timed out|No route to host|server closed the connection unexpectedly|could not connect to server|Network is unreachable/,
    advice: (f) =>
      `The database server of ${f.maskedUrl} could not be reached. Check that it is running and that host and port are right; the job can be retried.`,
  },
  {
    code: 'E_DISK',
    retryable: false,
    test: /No space left on device|Disk quota exceeded/,
    advice: (f) =>
      `The disk holding ${f.dir ?? 'the backup directory'} is full. Free space or point backup.dir elsewhere, then retry.`,
  },
  {
    code: 'E_DISK',
    retryable: false,
    test: /Permission denied|Operation not permitted|Read-only file system|Not a directory|could not create directory|could not open (output|input) file|could not write to (output )?file|could not close (data|TOC) file/,
    advice: (f) =>
      `${f.tool} could not write or read ${f.dir ?? 'the backup directory'}. Check that the path is a writable directory on a mounted, writable disk (backup.dir), then retry.`,
  },
];

/** Turns a failed pg_dump/pg_restore run into a typed error with a message saying what to do. */
export function classifyPgToolError(failure: PgToolFailure): AppError {
  const details = { tool: failure.tool, exitCode: failure.exitCode, database: failure.maskedUrl };
  if (failure.spawnErrorCode === 'ENOENT' || failure.spawnErrorCode === 'EACCES') {
    return new AppError(
      'E_PGDUMP_MISSING',
      `${failure.tool} was not found or cannot be run. Install postgresql-client-${failure.serverMajor ?? '<server major>'} on the worker machines (it provides ${failure.tool}), then retry.`,
      { details },
    );
  }
  const stderr = failure.stderr;
  const lastError = lastErrorLine(stderr);
  for (const rule of RULES) {
    if (rule.test.test(stderr)) {
      return new AppError(
        rule.code,
        `${failure.tool} failed: ${rule.advice(failure)}${lastError ? ` (${lastError})` : ''}`,
        {
          retryable: rule.retryable,
          details,
        },
      );
    }
  }
  const code: ErrorCode = failure.tool === 'pg_dump' ? 'E_BACKUP_FAILED' : 'E_RESTORE_FAILED';
  return new AppError(
    code,
    `${failure.tool} failed (exit code ${failure.exitCode ?? 'none'}) for ${failure.maskedUrl}: ${lastError || 'no error output'}. See the output in the thread; fix the cause and retry.`,
    { retryable: true, details: { ...details, stderrTail: stderr } },
  );
}

/** The most telling line of the tool's output, e.g. "pg_dump: error: …". */
function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const errors = lines.filter((l) => /error:|FATAL:|ERROR:/.test(l));
  return (errors.at(-1) ?? lines.at(-1) ?? '').slice(0, 400);
}
