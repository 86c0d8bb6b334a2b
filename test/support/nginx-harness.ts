import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NginxRouterOptions } from '../../src/traffic/nginx-router.js';
import { renderNginxUpstream } from '../../src/traffic/nginx-upstream-block.js';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export interface NginxHarness {
  prefix: string;
  confFile: string;
  upstreamFile: string;
  /** nginx's listening port; it proxies every request to the upstream "kong". */
  port: number;
  /** Requests that reached each upstream server since the last `resetCounts`. */
  counts: { x: number; y: number };
  resetCounts(): void;
  /** Router options wired to this nginx (testCommand/reloadCommand with -c, -p and -e). */
  routerOptions(): NginxRouterOptions;
  /** Sends `n` requests through nginx (new connection each) and returns what each upstream saw. */
  sendRequests(n: number, concurrency?: number): Promise<{ x: number; y: number; other: number }>;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

function startUpstream(name: 'x' | 'y', counts: { x: number; y: number }): Promise<Server> {
  const server = createServer((_req, res) => {
    counts[name]++;
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(name);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function fetchOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // agent: false → one connection per request, so nginx balances every request on its own.
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('nginx request timed out')));
  });
}

/**
 * A real nginx (the Debian binary) confined to a temp prefix: own pid file, error log, temp paths
 * and config, so it never touches /etc/nginx. One worker, so weighted round robin is deterministic.
 */
export async function startNginxHarness(): Promise<NginxHarness> {
  if (!existsSync(NGINX_BIN))
    throw new Error(`nginx not found at ${NGINX_BIN}; apt-get install -y nginx-light`);
  const prefix = await mkdtemp(join(tmpdir(), 'kub-nginx-'));
  await mkdir(join(prefix, 'tmp'), { recursive: true });
  await mkdir(join(prefix, 'conf.d'), { recursive: true });
  const counts = { x: 0, y: 0 };
  const [xs, ys] = await Promise.all([startUpstream('x', counts), startUpstream('y', counts)]);
  const xServer = `127.0.0.1:${(xs.address() as AddressInfo).port}`;
  const yServer = `127.0.0.1:${(ys.address() as AddressInfo).port}`;
  const port = await freePort();
  const confFile = join(prefix, 'nginx.conf');
  const upstreamFile = join(prefix, 'conf.d', 'kong-upgrade.conf');
  const pidFile = join(prefix, 'nginx.pid');
  const errorLog = join(prefix, 'error.log');
  const t = join(prefix, 'tmp');
  const isRoot = process.getuid?.() === 0;
  await writeFile(
    confFile,
    [
      // As root, nginx would switch workers to "nobody", whose group Debian calls "nogroup".
      isRoot ? 'user root root;' : '',
      'worker_processes 1;',
      `pid ${pidFile};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 512; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${t}/client; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi;`,
      `  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;`,
      `  include ${upstreamFile};`,
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    keepalive_timeout 0;',
      '    location / { proxy_pass http://kong; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const spec = { upstreamName: 'kong', xServer, yServer };
  await writeFile(upstreamFile, renderNginxUpstream(spec, { x: 100, y: 0 }));
  const base = ['-c', confFile, '-p', prefix, '-e', errorLog];
  // Without `daemon off`, nginx forks its master into the background and this call returns.
  const started = spawnSync(NGINX_BIN, base, { encoding: 'utf8', timeout: 10_000 });
  if (started.status !== 0) throw new Error(`nginx did not start: ${started.stderr}`);
  const deadline = Date.now() + 5_000;
  while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  return {
    prefix,
    confFile,
    upstreamFile,
    port,
    counts,
    resetCounts() {
      counts.x = 0;
      counts.y = 0;
    },
    routerOptions() {
      return {
        ...spec,
        upstreamFile,
        testCommand: [NGINX_BIN, '-t', ...base],
        reloadCommand: [NGINX_BIN, '-s', 'reload', ...base],
        pidFile,
      };
    },
    async sendRequests(n, concurrency = 8) {
      const seen = { x: 0, y: 0, other: 0 };
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < n) {
          next++;
          const body = await fetchOnce(port);
          if (body === 'x') seen.x++;
          else if (body === 'y') seen.y++;
          else seen.other++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return seen;
    },
    errorLog() {
      return readFile(errorLog, 'utf8').catch(() => '');
    },
    async stop() {
      spawnSync(NGINX_BIN, ['-s', 'quit', ...base], { timeout: 10_000 });
      const until = Date.now() + 5_000;
      while (existsSync(pidFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      for (const s of [xs, ys]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
