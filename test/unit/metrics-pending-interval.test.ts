import { describe, expect, it } from 'vitest';
import type { MetricsWindows } from '../../src/metrics/metrics-source.js';
import {
  addToInterval,
  intervalComplete,
  intervalToJson,
  pendingIntervalSchema,
  scrapeCadence,
} from '../../src/metrics/pending-interval.js';
import type { WindowStats } from '../../src/metrics/window-stats.js';
import {
  minimalConfigObject,
  parseConfigObject,
  problemsOfObject,
  withConfigKey,
} from '../support/config-fixtures.js';

function stats(requests: number, errors: number, route: string, nodesFailed: string[] = []): WindowStats {
  return {
    seconds: 5,
    requests,
    status5xx: errors,
    status4xx: 0,
    latency: [
      { le: 10, count: requests - 1 },
      { le: Number.POSITIVE_INFINITY, count: requests },
    ],
    latencyMetric: 'kong_request_latency_ms',
    routes: [
      {
        workspace: 'default',
        service: 's',
        route,
        codes: { '200': requests - errors, '500': errors },
        latency: [],
      },
    ],
    nodes: { total: 2, answered: 2 - nodesFailed.length, failed: nodesFailed },
  };
}

function scrape(startS: number, y: WindowStats, x = stats(100, 0, 'r1')): MetricsWindows {
  return { x, y, start: new Date(startS * 1000), end: new Date((startS + 5) * 1000) };
}

describe('the interval built from scrapes (metrics.scrapeSeconds)', () => {
  it('adds scrapes up, routes and latency included, through the JSON the chain carries', () => {
    let w = scrape(0, stats(50, 1, 'r1'));
    let pending = intervalToJson(w);
    for (let i = 1; i < 12; i++) {
      w = addToInterval(
        pending,
        scrape(i * 5, stats(50, i === 11 ? 10 : 1, i % 2 ? 'r1' : 'r2', i === 11 ? ['node-2'] : [])),
      );
      // Round-trips through the job payload each time, as between two compare jobs.
      pending = pendingIntervalSchema.parse(JSON.parse(JSON.stringify(intervalToJson(w))));
    }
    expect(w.y.requests).toBe(600);
    expect(w.y.status5xx).toBe(21);
    expect(w.y.seconds).toBe(60);
    expect(w.x.requests).toBe(1200);
    expect(w.y.latency.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: 600 });
    expect(Object.fromEntries(w.y.routes?.map((r) => [r.route, r.codes['500']]) ?? [])).toEqual({
      r1: 16,
      r2: 5,
    });
    // A node that was not read in a scrape of the interval is named.
    expect(w.y.nodes).toEqual({ total: 2, answered: 1, failed: ['node-2'] });
    expect(w.start.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(w.end.toISOString()).toBe('1970-01-01T00:01:00.000Z');
  });

  it('keeps a node that was not read mid-interval named, though the last scrapes read it', () => {
    let w = scrape(0, stats(50, 0, 'r1'));
    w = addToInterval(intervalToJson(w, '1@5'), scrape(5, stats(50, 0, 'r1', ['node-2'])), '1@5');
    w = addToInterval(intervalToJson(w, '1@5'), scrape(10, stats(50, 0, 'r1')), '1@5');
    expect(w.y.nodes).toEqual({ total: 2, answered: 1, failed: ['node-2'] });
  });

  it('starts a new interval when the step changes: a comparison never mixes two steps', () => {
    const before = intervalToJson(scrape(0, stats(50, 5, 'r1')), '1@5');
    const same = addToInterval(before, scrape(5, stats(50, 0, 'r1')), '1@5');
    expect(same.y.requests).toBe(100);
    const next = addToInterval(before, scrape(5, stats(50, 0, 'r1')), '2@25');
    expect(next.y.requests).toBe(50);
    expect(next.y.status5xx).toBe(0);
    expect(next.start.toISOString()).toBe('1970-01-01T00:00:05.000Z');
  });

  it('is complete once it covers the interval, give or take half a scrape; one scrape per interval always is', () => {
    const at = (seconds: number): MetricsWindows => ({
      ...scrape(0, stats(1, 0, 'r')),
      end: new Date(seconds * 1000),
    });
    expect(intervalComplete(at(55), 60, 5)).toBe(false);
    expect(intervalComplete(at(58), 60, 5)).toBe(true);
    expect(intervalComplete(at(61), 60, 5)).toBe(true);
    expect(intervalComplete(at(3), 60, 60)).toBe(true);
  });

  it('scrapes at scrapeSeconds (kong: 5 s by default; Prometheus: once per interval), never less often than the interval', () => {
    expect(scrapeCadence({ source: 'kong', intervalSeconds: 60 })).toBe(5);
    expect(scrapeCadence({ source: 'kong', intervalSeconds: 2 })).toBe(2);
    expect(scrapeCadence({ source: 'prometheus', intervalSeconds: 60 })).toBe(60);
    expect(scrapeCadence({ source: 'prometheus', intervalSeconds: 60, scrapeSeconds: 30 })).toBe(30);
    expect(scrapeCadence({ intervalSeconds: 60, scrapeSeconds: 5 })).toBe(5);
    expect(scrapeCadence({ intervalSeconds: 30, scrapeSeconds: 45 })).toBe(30);
  });

  it('refuses scrapeSeconds longer than the interval, or below 1, with the key named', () => {
    const problems = (v: unknown) =>
      problemsOfObject(withConfigKey(minimalConfigObject(), 'environments.prod.metrics.scrapeSeconds', v));
    expect(
      parseConfigObject(withConfigKey(minimalConfigObject(), 'environments.prod.metrics.scrapeSeconds', 5))
        .environments.prod?.metrics.scrapeSeconds,
    ).toBe(5);
    expect(
      problems(120)
        .map((p) => `${p.path}: ${p.message}`)
        .join('\n'),
    ).toMatch(/environments\.prod\.metrics\.scrapeSeconds: must not be longer than intervalSeconds \(60\)/);
    expect(problems(0).map((p) => p.path)).toEqual(['environments.prod.metrics.scrapeSeconds']);
  });
});
