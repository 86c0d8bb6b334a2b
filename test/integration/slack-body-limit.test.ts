import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routedPath } from '../../src/slack/guard-slack-events.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/**
 * The 1 MB body limit holds for every request target Bolt would route to its events endpoint, whatever
 * its spelling: the bot must not buffer a huge unsigned body (Bolt's own read has no limit and comes
 * before the signature check).
 */
const OFFERED = 48 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

let bot: TestBot;
let port: number;

beforeAll(async () => {
  bot = await startTestBot({ config: minimalConfigObject() });
  port = Number(new URL(bot.url).port);
}, 60_000);
afterAll(async () => {
  await bot?.close();
});

/**
 * Sends a POST with a chunked body of up to OFFERED bytes over raw TCP, as fast as the server takes it,
 * and stops once the server answers or closes. Returns the status line and how much the server took.
 */
function flood(target: string): Promise<{ status: string; sent: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let answer = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ status: answer.split('\r\n')[0] ?? '', sent });
    };
    const pump = () => {
      while (!done && sent < OFFERED) {
        const chunk = Buffer.concat([
          Buffer.from(`${CHUNK.length.toString(16)}\r\n`),
          CHUNK,
          Buffer.from('\r\n'),
        ]);
        sent += CHUNK.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (!done) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(
        `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      pump();
    });
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    setTimeout(finish, 30_000).unref();
  });
}

describe('body limit before Bolt', () => {
  it('routes the way Bolt does', () => {
    expect(routedPath('/slack/./events')).toBe('/slack/events');
    expect(routedPath('/slack/events#x')).toBe('/slack/events');
    expect(routedPath('http://elsewhere.example/slack/events?x=1')).toBe('/slack/events');
    expect(routedPath('/slack/%2e/events')).toBe('/slack/events');
    expect(routedPath('/a/../slack/events')).toBe('/slack/events');
    expect(routedPath('http://[')).toBeNull();
  });

  it.each([
    '/slack/events',
    '/slack/./events',
    '/slack/events#x',
    'http://elsewhere.example/slack/events',
    '/slack/%2e/events',
    '/other/../slack/events?q=1',
  ])('a huge unsigned body to %s is refused after about 1 MB', async (target) => {
    const rssBefore = process.memoryUsage().rss;
    const { status, sent } = await flood(target);
    // Refused (413), or the connection cut as soon as the limit was passed; never read to its end.
    expect(status).toMatch(/^(HTTP\/1\.1 413.*)?$/);
    // The server stops taking data soon after the limit (socket buffers account for the rest).
    expect(sent).toBeLessThan(12 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(40 * 1024 * 1024);
  });

  it('a declared Content-Length over the limit is refused before the body is read', async () => {
    const status = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /slack/./events HTTP/1.1\r\nHost: x\r\nContent-Length: ${OFFERED}\r\n\r\n`);
      });
      socket.on('data', (d) => {
        resolve(d.toString('latin1').split('\r\n')[0] ?? '');
        socket.destroy();
      });
      socket.on('error', () => resolve(''));
      setTimeout(() => {
        resolve('');
        socket.destroy();
      }, 5000).unref();
    });
    expect(status).toMatch(/^HTTP\/1\.1 413/);
  });

  it('the bot still answers after the floods', async () => {
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
