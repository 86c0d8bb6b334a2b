import pino, { type DestinationStream, type Logger } from 'pino';
import { MASK } from '../mask-url.js';

// Credentials inside any URL-looking string (user:password@host).
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/@]+@/gi;

export function createScrubber(secrets: readonly string[]) {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  const scrubString = (s: string): string => {
    let out = s.replace(URL_CREDENTIALS, `$1${MASK}@`);
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
  const scrub = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return scrubString(value);
    if (value === null || typeof value !== 'object' || depth > 8) return value;
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return {
        type: value.name,
        message: scrubString(value.message),
        ...(code === undefined ? {} : { code }),
        ...(value.stack ? { stack: scrubString(value.stack) } : {}),
      };
    }
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    if (value instanceof Date || Buffer.isBuffer(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
    return out;
  };
  return { scrub, scrubString };
}

export interface LoggerOptions {
  level: string;
  /** Exact secret values (tokens, passwords) to replace wherever they appear. */
  secrets: readonly string[];
  destination?: DestinationStream;
}

/**
 * The one root logger. Known secret values are replaced in every argument (messages, objects,
 * errors), and well-known secret keys are redacted, so nothing sensitive reaches a log line.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { scrub } = createScrubber(options.secrets);
  return pino(
    {
      level: options.level,
      base: { service: 'kong-upgrade-bot' },
      redact: {
        paths: [
          'token',
          'password',
          'secret',
          'adminToken',
          '*.token',
          '*.password',
          '*.secret',
          '*.adminToken',
          'headers.authorization',
          '*.headers.authorization',
        ],
        censor: MASK,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
