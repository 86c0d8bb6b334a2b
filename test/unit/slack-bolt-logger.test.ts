import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/create-logger.js';
import { createBoltLogger } from '../../src/slack/bolt-logger.js';

function captured(level: string) {
  const lines: string[] = [];
  const destination = new Writable({
    write: (chunk, _enc, done) => {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, bolt: createBoltLogger(createLogger({ level, secrets: [], destination })) };
}

describe('Bolt logger over pino', () => {
  it('writes Bolt lines at or above the level, objects as JSON', () => {
    const { lines, bolt } = captured('info');
    bolt.info('receiver ready on', { port: 3000 });
    bolt.warn('slow');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['receiver ready on {"port":3000}', 'slow']);
  });

  it('does not even serialise what the level drops (Bolt logs at debug on every request)', () => {
    const { lines, bolt } = captured('info');
    let serialised = 0;
    bolt.debug('request body', {
      toJSON() {
        serialised++;
        return {};
      },
    });
    expect(serialised).toBe(0);
    expect(lines).toEqual([]);
  });
});
