import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/spawn-bot.js';

const dockerfile = readFileSync(`${REPO_ROOT}Dockerfile`, 'utf8');
const ignored = readFileSync(`${REPO_ROOT}.dockerignore`, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const packageJson = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'));
const lines = (keyword: string) => instructions.filter((l) => l.startsWith(`${keyword} `));

describe('Dockerfile', () => {
  it('builds on Node 22 slim and installs a PGDG pg_dump/pg_restore', () => {
    expect(lines('FROM')).toEqual(['FROM node:22-bookworm-slim']);
    const run = lines('RUN').join('\n');
    expect(run).toContain('apt.postgresql.org.sh');
    expect(run).toMatch(/postgresql-client-\$\{PG_CLIENT_MAJOR\}/);
    expect(lines('ARG')).toEqual(['ARG PG_CLIENT_MAJOR=17']);
  });

  it('installs with npm ci including tsx, which npm start needs as a loader', () => {
    // Not tsx's CLI: its signal relay SIGKILLs a child busy for 60 ms, so a docker stop under load
    // would kill the bot mid-step instead of shutting it down (test/e2e/main-process.test.ts).
    for (const mode of ['start', 'worker', 'sandbox', 'migrate', 'check-config'])
      expect(packageJson.scripts[mode]).toBe(`node --import tsx src/main.ts ${mode}`);
    expect(packageJson.devDependencies.tsx).toBeDefined();
    expect(lines('RUN').some((l) => /npm ci .*--include=dev/.test(l))).toBe(true);
    expect(lines('COPY')[0]).toBe('COPY package.json package-lock.json ./');
  });

  it('copies the source the entry point runs from, none of which .dockerignore drops', () => {
    const copied = lines('COPY').map((l) => l.split(/\s+/)[1]);
    expect(copied).toEqual(expect.arrayContaining(['src', 'jobs', 'tsconfig.json']));
    for (const path of copied) expect(ignored).not.toContain(path);
  });

  it('runs as the non-root node user, with npm start and a /healthz health check', () => {
    expect(lines('USER')).toEqual(['USER node']);
    expect(lines('CMD')).toEqual(['CMD ["npm", "start"]']);
    // docker stop must reach node under npm → sh (the process-group stop is tested in
    // test/e2e/main-process.test.ts).
    expect(lines('ENTRYPOINT')).toEqual(['ENTRYPOINT ["/usr/bin/tini", "-g", "--"]']);
    expect(lines('RUN').join('\n')).toMatch(/apt-get install .* tini/);
    expect(lines('HEALTHCHECK').join('')).toMatch(/\/healthz/);
    expect(lines('EXPOSE')).toEqual(['EXPOSE 3000']);
  });

  it('.dockerignore keeps secrets, the real config and node_modules out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'kong-upgrade.yaml', 'node_modules', '.git']));
  });
});
