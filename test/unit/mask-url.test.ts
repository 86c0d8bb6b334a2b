import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIDDEN_URL, isSecretQueryParam, MASK, maskUrl } from '../../src/mask-url.js';

describe('maskUrl', () => {
  it.each([
    ['postgres://kong:s3cret@db:5432/kong', 'postgres://kong:****@db:5432/kong'],
    [
      'postgres://kong:p%40ss@db.internal:5432/kong_upgrade',
      'postgres://kong:****@db.internal:5432/kong_upgrade',
    ],
    ['postgresql://kong:p%40ss@db/kong?sslmode=require', 'postgresql://kong:****@db/kong?sslmode=require'],
    ['redis://:redispw@redis:6379', 'redis://:****@redis:6379'],
    ['redis://bot:redispw@redis:6379/2', 'redis://bot:****@redis:6379/2'],
    ['postgres://db/kong?password=abc&sslmode=disable', 'postgres://db/kong?password=****&sslmode=disable'],
    ['postgres:///kong?host=/run/pg&password=abc', 'postgres:///kong?host=%2Frun%2Fpg&password=****'],
    ['http://prom:9090/api?token=t0k', 'http://prom:9090/api?token=****'],
    [
      'https://hooks.example/deploy?sig=1&X-Amz-Signature=abc',
      'https://hooks.example/deploy?sig=1&X-Amz-Signature=****',
    ],
    ['https://ci.example/hook?apikey=k&auth=a', 'https://ci.example/hook?apikey=****&auth=****'],
  ])('masks %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it('masks the user of HTTP URLs too (basic auth, or a token written as the user), keeping the URL as written', () => {
    expect(maskUrl('https://user:pw@ci.example/deploy')).toBe('https://****:****@ci.example/deploy');
    expect(maskUrl('http://ops:pw@127.0.0.1:8001')).toBe('http://****:****@127.0.0.1:8001');
    expect(maskUrl('http://ops:pw@127.0.0.1:8001/')).toBe('http://****:****@127.0.0.1:8001/');
    expect(maskUrl('https://ghp_t0ken@hooks.example/x')).toBe('https://****@hooks.example/x');
    expect(maskUrl('http://router?token=abc')).toBe('http://router?token=****');
  });

  it('keeps the role name of database URLs, which people need to fix a login', () => {
    expect(maskUrl('postgres://kub_ghost_role:pw@127.0.0.1:5432/db')).toBe(
      'postgres://kub_ghost_role:****@127.0.0.1:5432/db',
    );
  });

  it.each([
    'postgres://kong@db:5432/kong',
    'postgres://postgres@127.0.0.1:5432/kong_upgrade',
    'http://kong-x-admin:8001',
    'https://slack.com/api/',
    'postgres://u@h/db?sslmode=require',
  ])('leaves %s without credentials unchanged', (url) => {
    expect(maskUrl(url)).toBe(url);
  });

  it('hides input that is not a URL with an authority whole', () => {
    for (const input of [
      'kong:s3cret@db:5432/kong',
      'host=db user=kong password=s3cret',
      'not a url',
      'garbage secret',
      'http:kong:s3cret@db',
      '',
    ]) {
      expect(maskUrl(input)).toBe(HIDDEN_URL);
    }
  });

  it('masks a password containing @ that was not percent-encoded', () => {
    const masked = maskUrl('postgres://kong:p@ss@db/kong');
    expect(masked).not.toContain('p@ss');
    expect(masked).toBe(`postgres://kong:${MASK}@db/kong`);
  });

  it('can hide the whole query string', () => {
    expect(maskUrl('http://prom:9090/api/v1/query?query=up&time=1', { hideQuery: true })).toBe(
      'http://prom:9090/api/v1/query?…',
    );
    expect(maskUrl('http://u:pw@kong:8100?x=1', { hideQuery: true })).toBe('http://****:****@kong:8100?…');
    expect(maskUrl('http://kong:8100/metrics', { hideQuery: true })).toBe('http://kong:8100/metrics');
  });

  it('never shows a password, in any scheme', () => {
    const password = fc.stringMatching(/^[A-Za-z0-9]{6,20}$/);
    fc.assert(
      fc.property(fc.constantFrom('postgres', 'redis', 'http', 'https'), password, (scheme, pw) => {
        const masked = maskUrl(`${scheme}://user:${pw}@host:1234/path?a=b`);
        expect(masked).not.toContain(pw);
        expect(masked).toContain(MASK);
      }),
    );
  });
});

describe('isSecretQueryParam', () => {
  it('knows secret-looking names and leaves ordinary ones', () => {
    for (const name of [
      'password',
      'PGPASSWORD',
      'access_token',
      'apikey',
      'sslkey',
      'client_secret',
      'auth',
    ]) {
      expect(isSecretQueryParam(name)).toBe(true);
    }
    for (const name of ['sslmode', 'query', 'host', 'application_name'])
      expect(isSecretQueryParam(name)).toBe(false);
  });
});
