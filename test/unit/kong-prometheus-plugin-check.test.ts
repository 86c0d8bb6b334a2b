import { describe, expect, it } from 'vitest';
import type { KongPlugin } from '../../src/kong/kong-schemas.js';
import { prometheusPluginCheck } from '../../src/kong/prometheus-plugin-check.js';
import { prometheusConfig } from '../../src/sandbox/kong-node/seed-plugin-configs.js';

const plugin = (config: Record<string, unknown>, o: Partial<KongPlugin> = {}): KongPlugin => ({
  id: 'ce44eef5-41ed-47f6-baab-f725cecf98c7',
  name: 'prometheus',
  config,
  enabled: true,
  ...o,
});

describe('prometheusPluginCheck', () => {
  it('a 2.8 row (as the sandbox seeds it) restored into a 3.x Y: warns and names the config to change', () => {
    const c = prometheusPluginCheck([plugin(prometheusConfig(false))], '2.8.4', '3.9.1');
    expect(c.status).toBe('warn');
    expect(c.items).toEqual([
      'prometheus ce44eef5-41ed-47f6-baab-f725cecf98c7 (global): config.status_code_metrics, config.latency_metrics, config.bandwidth_metrics not true',
    ]);
    expect(c.remedy).toMatch(/Y right after the restore/);
    expect(c.remedy).toMatch(/"status_code_metrics": true/);
  });

  it('a 3.4 row with the flags on passes; one flag off on a service is named with its scope', () => {
    expect(prometheusPluginCheck([plugin(prometheusConfig(true))], '3.4.2', '3.9.1').status).toBe('pass');
    const c = prometheusPluginCheck(
      [plugin({ ...prometheusConfig(true), latency_metrics: false }, { service: { id: 'svc-1' } })],
      '3.4.2',
      '3.9.1',
    );
    expect(c.status).toBe('warn');
    expect(c.items?.[0]).toMatch(/on service svc-1\): config\.latency_metrics not true/);
    expect(c.remedy).toMatch(/on X before the run/);
  });

  it('no enabled prometheus plugin at all: warns', () => {
    expect(prometheusPluginCheck([plugin({}, { enabled: false })], '3.4.2', '3.9.1').status).toBe('warn');
    expect(prometheusPluginCheck([], '3.4.2', '3.9.1').detail).toMatch(/No enabled prometheus plugin/);
  });

  it('2.8 to 2.8 (no 3.x on either side) passes: 2.8 always exports them', () => {
    expect(prometheusPluginCheck([plugin({ per_consumer: false })], '2.8.1', '2.8.4').status).toBe('pass');
  });
});
