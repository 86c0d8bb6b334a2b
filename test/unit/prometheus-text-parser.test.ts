import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  histogramSeries,
  type MetricFamily,
  type ParsedExposition,
  parsePrometheusText,
  seriesKey,
} from '../../src/kong/parse-prometheus-text.js';
import { KONG_SAMPLE_EXPOSITION } from '../support/fake-kong-metrics.js';

function familyOf(parsed: ParsedExposition, name: string): MetricFamily {
  const family = parsed.families.get(name);
  if (!family) throw new Error(`no family ${name}`);
  return family;
}

function expectBadResponse(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('E_METRICS_BAD_RESPONSE');
    return error as AppError;
  }
  throw new Error('expected E_METRICS_BAD_RESPONSE');
}

describe('parsePrometheusText: the kong.md 3.9 sample exposition', () => {
  const parsed = parsePrometheusText(KONG_SAMPLE_EXPOSITION, { strict: true });

  it('finds every family with its type and help, and no bad line', () => {
    expect(parsed.badLines).toEqual([]);
    expect([...parsed.families.keys()]).toEqual([
      'kong_bandwidth_bytes',
      'kong_datastore_reachable',
      'kong_http_requests_total',
      'kong_kong_latency_ms',
      'kong_memory_lua_shared_dict_bytes',
      'kong_memory_lua_shared_dict_total_bytes',
      'kong_memory_workers_lua_vms_bytes',
      'kong_nginx_connections_total',
      'kong_nginx_metric_errors_total',
      'kong_nginx_requests_total',
      'kong_nginx_timers',
      'kong_node_info',
      'kong_request_latency_ms',
      'kong_upstream_latency_ms',
      'kong_upstream_target_health',
    ]);
    expect(parsed.families.get('kong_request_latency_ms')?.type).toBe('histogram');
    expect(parsed.families.get('kong_http_requests_total')?.type).toBe('counter');
    expect(parsed.families.get('kong_nginx_timers')?.type).toBe('gauge');
    expect(parsed.families.get('kong_datastore_reachable')?.help).toBe(
      'Datastore reachable from Kong, 0 is unreachable',
    );
    expect(parsed.sampleCount).toBe(73); // grep -vc "^#" of the sample
  });

  it('reads labels in emitted order and values', () => {
    const requests = parsed.families.get('kong_http_requests_total')?.samples ?? [];
    expect(requests).toEqual([
      {
        name: 'kong_http_requests_total',
        labels: {
          service: 'orders',
          route: 'orders-route',
          code: '200',
          source: 'service',
          workspace: 'default',
          consumer: 'alice',
        },
        value: 1,
      },
    ]);
    expect(Object.keys(requests[0]?.labels ?? {})).toEqual([
      'service',
      'route',
      'code',
      'source',
      'workspace',
      'consumer',
    ]);
    expect(parsed.families.get('kong_memory_lua_shared_dict_total_bytes')?.samples[0]?.value).toBe(5242880);
  });

  it('groups _bucket, _count and _sum under their histogram, buckets cumulative and ordered by le', () => {
    const family = familyOf(parsed, 'kong_request_latency_ms');
    expect(family.samples).toHaveLength(15);
    expect(parsed.families.has('kong_request_latency_ms_bucket')).toBe(false);
    const series = histogramSeries(family);
    expect(series).toHaveLength(1);
    expect(series[0]?.labels).toEqual({ service: 'orders', route: 'orders-route', workspace: 'default' });
    expect(series[0]?.sum).toBe(45);
    expect(series[0]?.count).toBe(1);
    expect(series[0]?.buckets.map((b) => b.le)).toEqual([
      50,
      80,
      100,
      250,
      400,
      700,
      1000,
      2000,
      5000,
      10000,
      30000,
      60000,
      Number.POSITIVE_INFINITY,
    ]);
    expect(series[0]?.buckets.every((b) => b.count === 1)).toBe(true);
    const kong = histogramSeries(familyOf(parsed, 'kong_kong_latency_ms'));
    expect(kong[0]?.buckets[0]).toEqual({ le: 5, count: 1 });
    expect(kong[0]?.sum).toBe(3);
  });
});

describe('parsePrometheusText: syntax', () => {
  it('unescapes \\\\, \\" and \\n in label values', () => {
    const text = 'm{path="C:\\\\dir",q="say \\"hi\\"",n="a\\nb",e=""} 1\n';
    const [sample] = parsePrometheusText(text, { strict: true }).families.get('m')?.samples ?? [];
    expect(sample?.labels).toEqual({ path: 'C:\\dir', q: 'say "hi"', n: 'a\nb', e: '' });
  });

  it('round-trips any label value through escaping', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (a, b) => {
        const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
        const text = `x_total{a="${esc(a)}",b="${esc(b)}"} 7\n`;
        const [sample] = parsePrometheusText(text, { strict: true }).families.get('x_total')?.samples ?? [];
        expect(sample?.labels).toEqual({ a, b });
      }),
      { numRuns: 300 },
    );
  });

  it('reads NaN, +Inf, -Inf, exponents and optional integer timestamps', () => {
    const text = [
      'a NaN',
      'b +Inf',
      'c -Inf 1700000000000',
      'd 1.5e3 -5',
      'e{x="1"}   -0.25\t42',
      'f{} 3',
      'g{x="1",} 4',
    ].join('\n');
    const f = parsePrometheusText(text, { strict: true }).families;
    expect(f.get('a')?.samples[0]?.value).toBeNaN();
    expect(f.get('b')?.samples[0]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(f.get('c')?.samples[0]).toMatchObject({
      value: Number.NEGATIVE_INFINITY,
      timestamp: 1700000000000,
    });
    expect(f.get('d')?.samples[0]).toMatchObject({ value: 1500, timestamp: -5 });
    expect(f.get('e')?.samples[0]).toMatchObject({ labels: { x: '1' }, value: -0.25, timestamp: 42 });
    expect(f.get('f')?.samples[0]).toMatchObject({ labels: {}, value: 3 });
    expect(f.get('g')?.samples[0]).toMatchObject({ labels: { x: '1' }, value: 4 });
    expect(f.get('a')?.type).toBe('untyped');
  });

  it('ignores blank lines, CRLF and other comments; unescapes HELP', () => {
    const text =
      '\r\n  \n# a comment\n# HELP h_total Line\\none \\\\ two\r\n# TYPE h_total counter\r\nh_total 1\r\n\n';
    const parsed = parsePrometheusText(text, { strict: true });
    expect(parsed.families.get('h_total')).toMatchObject({ type: 'counter', help: 'Line\none \\ two' });
    expect(parsed.families.get('h_total')?.samples[0]?.value).toBe(1);
  });

  it('groups summary quantiles, _sum and _count, and orders out-of-order buckets by le', () => {
    const text = [
      '# TYPE s summary',
      's{quantile="0.5"} 3',
      's_sum 10',
      's_count 4',
      '# TYPE h histogram',
      'h_bucket{le="+Inf"} 5',
      'h_bucket{le="10"} 4',
      'h_bucket{le="1"} 1',
      'h_count 5',
      'h_sum 20',
    ].join('\n');
    const parsed = parsePrometheusText(text, { strict: true });
    expect(familyOf(parsed, 's').samples.map((s) => s.name)).toEqual(['s', 's_sum', 's_count']);
    const [series] = histogramSeries(familyOf(parsed, 'h'));
    expect(series?.buckets).toEqual([
      { le: 1, count: 1 },
      { le: 10, count: 4 },
      { le: Number.POSITIVE_INFINITY, count: 5 },
    ]);
  });

  it('gives the same series key whatever the label order', () => {
    expect(seriesKey({ a: '1', b: '2' })).toBe(seriesKey({ b: '2', a: '1' }));
    expect(seriesKey({ a: '1', b: '2' })).not.toBe(seriesKey({ a: '1', b: '3' }));
    expect(seriesKey({ a: '1,b=2' })).not.toBe(seriesKey({ a: '1', b: '2' }));
  });
});

describe('parsePrometheusText: malformed input', () => {
  const bad: [string, string][] = [
    ['missing value', 'm{a="1"}'],
    ['unterminated label', 'm{a="1} 2'],
    ['bad escape', 'm{a="\\t"} 2'],
    ['bad value', 'm abc'],
    ['Infinity spelled as JS does', 'm Infinity'],
    ['hex value', 'm 0x10'],
    ['fractional timestamp', 'm 1 1.5'],
    ['trailing text', 'm 1 2 3'],
    ['repeated label', 'm{a="1",a="2"} 1'],
    ['name starting with a digit', '1m 1'],
    ['label without quotes', 'm{a=1} 1'],
    ['no separator between labels', 'm{a="1" b="2"} 1'],
    ['unknown type', '# TYPE m countr'],
    ['bad name in HELP', '# HELP 9m help'],
  ];

  it.each(bad)('strict mode refuses %s with the line number', (_name, line) => {
    const error = expectBadResponse(() => parsePrometheusText(`ok 1\n\n${line}\n`, { strict: true }));
    expect(error.message).toContain('line 3');
    expect(error.details.badLines).toEqual([expect.objectContaining({ line: 3 })]);
  });

  it('by default skips bad lines, reports them, and keeps the rest', () => {
    const text = ['# TYPE a_total counter', 'a_total 1', 'a_total{x="} 2', 'b 3', 'b{y=1} 4'].join('\n');
    const parsed = parsePrometheusText(text);
    expect(parsed.badLines.map((b) => b.line)).toEqual([3, 5]);
    expect(parsed.families.get('a_total')?.samples).toHaveLength(1);
    expect(parsed.families.get('b')?.samples[0]?.value).toBe(3);
  });

  it('refuses a TYPE line after its samples', () => {
    const parsed = parsePrometheusText('m 1\n# TYPE m gauge\n');
    expect(parsed.badLines).toEqual([{ line: 2, reason: expect.stringContaining('after its samples') }]);
  });

  it('refuses a body that is not an exposition (an HTML page)', () => {
    expectBadResponse(() => parsePrometheusText('<html>\n<body>Login</body>\n</html>\n'));
  });

  it('refuses a body with more bad lines than maxBadLines', () => {
    const text = `good 1\n${'bad{\n'.repeat(5)}`;
    expectBadResponse(() => parsePrometheusText(text, { maxBadLines: 4 }));
    expect(parsePrometheusText(text, { maxBadLines: 5 }).badLines).toHaveLength(5);
  });

  it('accepts an empty body as no families', () => {
    expect(parsePrometheusText('').families.size).toBe(0);
  });
});

describe('parsePrometheusText: size', () => {
  // How fast is not asserted here (a shared machine makes timed tests flaky); that it copes is.
  it('parses a 100,000-series exposition completely, the last series intact', () => {
    const lines = [
      '# HELP kong_http_requests_total HTTP status codes',
      '# TYPE kong_http_requests_total counter',
    ];
    for (let i = 0; i < 100_000; i++) {
      lines.push(
        `kong_http_requests_total{service="svc-${i % 997}",route="route-${i}",code="${200 + (i % 5) * 100}",source="service",workspace="default",consumer="c\\"${i % 13}"} ${i * 3}`,
      );
    }
    const parsed = parsePrometheusText(lines.join('\n'), { strict: true });
    expect(parsed.sampleCount).toBe(100_000);
    expect(parsed.families.get('kong_http_requests_total')?.samples[99_999]).toMatchObject({
      value: 299_997,
      labels: { route: 'route-99999', consumer: 'c"3' },
    });
  });
});

describe('parsePrometheusText: what Kong really prints', () => {
  it('reads nan and -nan (LuaJIT) as NaN without a bad line', () => {
    const parsed = parsePrometheusText(
      [
        '# TYPE kong_latency histogram',
        'kong_latency_sum{service="s",route="r",type="request"} -nan',
        'kong_latency_count{service="s",route="r",type="request"} nan',
        'kong_latency_bucket{service="s",route="r",type="request",le="+Inf"} 3',
      ].join('\n'),
      { strict: true },
    );
    const samples = familyOf(parsed, 'kong_latency').samples;
    expect(samples.map((s) => s.value)).toEqual([Number.NaN, Number.NaN, 3]);
  });

  it('keeps a label value with an unescaped newline, and every line after it', () => {
    const text = [
      '# TYPE kong_http_requests_total counter',
      'kong_http_requests_total{service="orders",route="line one',
      'line two",code="200",source="service",workspace="default",consumer=""} 7',
      'kong_http_requests_total{service="orders",route="plain",code="500",source="service",workspace="default",consumer=""} 2',
      '# TYPE kong_node_info gauge',
      'kong_node_info{node_id="n1",version="3.9.1"} 1',
    ].join('\n');
    const parsed = parsePrometheusText(text, { strict: true });
    const requests = familyOf(parsed, 'kong_http_requests_total').samples;
    expect(requests.map((s) => [s.labels.route, s.value])).toEqual([
      ['line one\nline two', 7],
      ['plain', 2],
    ]);
    expect(familyOf(parsed, 'kong_node_info').samples).toHaveLength(1);
    expect(parsed.badLines).toEqual([]);
  });

  it('a truncated line never swallows the good line after it', () => {
    const parsed = parsePrometheusText(
      [
        'kong_http_status{service="s",route="r',
        'kong_http_status{service="s",route="r",code="200"} 4',
        'x 1',
      ].join('\n'),
    );
    expect(parsed.badLines.map((b) => b.line)).toEqual([1]);
    expect(familyOf(parsed, 'kong_http_status').samples.map((s) => s.value)).toEqual([4]);
    expect(parsed.sampleCount).toBe(2);
  });
});
