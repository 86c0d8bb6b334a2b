import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeOffset,
  encodeOffset,
  nextPath,
  parsePageSize,
} from '../../src/sandbox/kong-node/pagination.js';

describe('Kong pagination helpers', () => {
  it('round-trips offsets as unpadded standard base64 of ["<uuid>"]', () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        const token = encodeOffset(id);
        expect(token).toMatch(/^[A-Za-z0-9+/]+$/);
        expect(Buffer.from(token, 'base64').toString()).toBe(JSON.stringify([id]));
        expect(decodeOffset(token)).toBe(id);
      }),
    );
  });

  it('rejects bad offsets with Kong code 7', () => {
    expect(decodeOffset('@@@')).toMatchObject({
      status: 400,
      body: { code: 7, name: 'invalid offset', message: "'@@@' is not a valid offset: bad base64 encoding" },
    });
    const notJson = Buffer.from('hello').toString('base64').replace(/=+$/, '');
    expect(decodeOffset(notJson)).toMatchObject({
      body: { message: `'${notJson}' is not a valid offset: bad json encoding` },
    });
    const notUuid = Buffer.from('["x"]').toString('base64').replace(/=+$/, '');
    expect(decodeOffset(notUuid)).toMatchObject({ status: 400, body: { code: 7 } });
  });

  it('parses size like Kong: default 100, 1..1000, else code 9', () => {
    expect(parsePageSize(null)).toBe(100);
    expect(parsePageSize('1')).toBe(1);
    expect(parsePageSize('1000')).toBe(1000);
    for (const bad of ['0', '1001', '1.5', '-1']) {
      expect(parsePageSize(bad)).toMatchObject({
        status: 400,
        body: { code: 9, name: 'invalid size', message: 'size must be an integer between 1 and 1000' },
      });
    }
    expect(parsePageSize('ten')).toMatchObject({ body: { message: 'size must be a number' } });
    expect(parsePageSize('')).toMatchObject({ status: 400 });
  });

  it('builds next like kong/api/endpoints.lua (escaped offset, tags then size, none for nested)', () => {
    const offset = 'WyJhYmMiXQ+/';
    expect(nextPath({ collectionPath: '/routes', offset, nested: false, rawTags: null, rawSize: null })).toBe(
      '/routes?offset=WyJhYmMiXQ%2B%2F',
    );
    expect(nextPath({ collectionPath: '/routes', offset, nested: false, rawTags: 'a,b', rawSize: '5' })).toBe(
      '/routes?offset=WyJhYmMiXQ%2B%2F&tags=a%2Cb&size=5',
    );
    expect(
      nextPath({ collectionPath: '/upstreams/u1/targets', offset, nested: true, rawTags: 'a', rawSize: '5' }),
    ).toBe('/upstreams/u1/targets?offset=WyJhYmMiXQ%2B%2F');
  });
});
