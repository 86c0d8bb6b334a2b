import { describe, expect, it } from 'vitest';
import { minDataPlanesFor } from '../../src/engine/check-data-planes.js';
import {
  minimalConfigObject,
  parseConfigObject,
  problemsOfObject,
  withConfigKey,
} from '../support/config-fixtures.js';

const KEY = 'environments.prod.clusterY.minDataPlanes';

describe('clusterY.minDataPlanes', () => {
  it('is optional; when set it is what hybrid mode requires', () => {
    const plain = parseConfigObject(minimalConfigObject());
    expect(minDataPlanesFor(plain.environments.prod?.clusterY ?? {})).toBe(1);
    const set = parseConfigObject(withConfigKey(minimalConfigObject(), KEY, 3));
    expect(set.environments.prod?.clusterY.minDataPlanes).toBe(3);
    expect(minDataPlanesFor(set.environments.prod?.clusterY ?? {})).toBe(3);
  });

  it.each([0, -1, 1.5, 'two'])('refuses %s with the key path', (value) => {
    const problems = problemsOfObject(withConfigKey(minimalConfigObject(), KEY, value));
    expect(problems.map((p) => p.path)).toEqual([KEY]);
  });

  it('defaults to the number of metrics URLs of the cluster', () => {
    expect(minDataPlanesFor({ metricsUrls: ['a', 'b', 'c'] } as never)).toBe(3);
  });
});
