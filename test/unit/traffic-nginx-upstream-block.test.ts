import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNginxUpstream, renderNginxUpstream } from '../../src/traffic/nginx-upstream-block.js';
import { reloadTookEffect } from '../../src/traffic/nginx-workers.js';

const spec = { upstreamName: 'kong', xServer: 'kong-x:8000', yServer: 'kong-y:8000' };

describe('renderNginxUpstream', () => {
  it('reduces weights by their gcd', () => {
    const text = renderNginxUpstream(spec, { x: 80, y: 20 });
    expect(text).toContain(
      'upstream kong {\n  server kong-x:8000 weight=4;\n  server kong-y:8000 weight=1;\n}\n',
    );
    expect(renderNginxUpstream(spec, { x: 95, y: 5 })).toContain('weight=19;');
    expect(renderNginxUpstream(spec, { x: 50, y: 50 }).match(/weight=1;/g)).toHaveLength(2);
    expect(renderNginxUpstream(spec, { x: 67, y: 33 })).toContain('server kong-x:8000 weight=67;');
  });

  it('marks a 0 % side down with weight 1', () => {
    expect(renderNginxUpstream(spec, { x: 100, y: 0 })).toContain(
      '  server kong-x:8000 weight=1;\n  server kong-y:8000 weight=1 down;\n',
    );
    expect(renderNginxUpstream(spec, { x: 0, y: 100 })).toContain('  server kong-x:8000 weight=1 down;\n');
  });

  it('keeps the weights as data in a comment', () => {
    expect(renderNginxUpstream(spec, { x: 75, y: 25 })).toContain(
      '# kong-upgrade-bot weights: {"x":75,"y":25}\n',
    );
  });
});

describe('parseNginxUpstream', () => {
  it('reads back exactly what was rendered, for every valid split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (y) => {
        const weights = { x: 100 - y, y };
        expect(parseNginxUpstream(spec, renderNginxUpstream(spec, weights))).toEqual({ ok: true, weights });
      }),
    );
  });

  it('rejects files without or with a broken weights comment', () => {
    expect(parseNginxUpstream(spec, 'upstream kong { server a:1; }\n')).toEqual({
      ok: false,
      reason: 'no-weights-comment',
    });
    const good = renderNginxUpstream(spec, { x: 80, y: 20 });
    for (const bad of ['{"x":80', '{"x":80,"y":30}', '{"x":"80","y":"20"}', '[80,20]']) {
      const text = good.replace('{"x":80,"y":20}', bad);
      expect(parseNginxUpstream(spec, text)).toEqual({ ok: false, reason: 'bad-weights-comment' });
    }
  });

  it('rejects a block that does not match its comment (hand edit, other servers, other name)', () => {
    const good = renderNginxUpstream(spec, { x: 80, y: 20 });
    const edits = [
      good.replace('weight=4;', 'weight=5;'),
      good.replace('weight=1;', 'weight=1 down;'),
      good.replace('{"x":80,"y":20}', '{"x":20,"y":80}'),
      `${good}server extra:1;\n`,
    ];
    for (const text of edits)
      expect(parseNginxUpstream(spec, text)).toEqual({ ok: false, reason: 'block-differs' });
    expect(parseNginxUpstream({ ...spec, yServer: 'kong-z:8000' }, good).ok).toBe(false);
    expect(parseNginxUpstream({ ...spec, upstreamName: 'other' }, good).ok).toBe(false);
  });
});

describe('reloadTookEffect', () => {
  const before = new Set([10, 11]);
  it('needs a new worker and no old worker still accepting', () => {
    expect(reloadTookEffect(before, [])).toBe(false);
    expect(reloadTookEffect(before, [{ pid: 10, shuttingDown: false }])).toBe(false);
    expect(
      reloadTookEffect(before, [
        { pid: 10, shuttingDown: false },
        { pid: 12, shuttingDown: false },
      ]),
    ).toBe(false);
    expect(
      reloadTookEffect(before, [
        { pid: 10, shuttingDown: true },
        { pid: 12, shuttingDown: false },
      ]),
    ).toBe(true);
    expect(reloadTookEffect(before, [{ pid: 12, shuttingDown: false }])).toBe(true);
    expect(reloadTookEffect(new Set(), [{ pid: 12, shuttingDown: true }])).toBe(false);
  });
});
