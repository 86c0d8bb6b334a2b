import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';

/** Bolt's logger interface over pino, so Bolt's own lines are structured and redacted too. */
export function createBoltLogger(log: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const join = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    // Bolt logs at debug several times per request: join (and stringify) only what will be written.
    debug: (...msg) => log.isLevelEnabled('debug') && log.debug(join(msg)),
    info: (...msg) => log.isLevelEnabled('info') && log.info(join(msg)),
    warn: (...msg) => log.isLevelEnabled('warn') && log.warn(join(msg)),
    error: (...msg) => log.isLevelEnabled('error') && log.error(join(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
