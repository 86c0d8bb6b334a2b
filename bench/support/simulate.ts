/** Seeded random draws for the statistical benchmarks and their CI versions. */

/** mulberry32: small, fast, and good enough for a simulation. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Binomial(n, p): exact by inversion when the mean is small (the error counts that matter), a rounded
 * normal otherwise (traffic splits of thousands of requests, where it is indistinguishable).
 */
export function binomial(random: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const mean = n * p;
  if (mean > 40 && n * (1 - p) > 40) {
    const draw = Math.round(mean + Math.sqrt(mean * (1 - p)) * standardNormal(random));
    return Math.min(n, Math.max(0, draw));
  }
  if (p > 0.5) return n - binomial(random, n, 1 - p);
  const q = 1 - p;
  let prob = q ** n;
  let cdf = prob;
  const u = random();
  let k = 0;
  while (u > cdf && k < n) {
    prob *= ((n - k) / (k + 1)) * (p / q);
    k++;
    cdf += prob;
  }
  return k;
}

/** Wilson score interval for a proportion (95 % by default), for printing observed rates honestly. */
export function wilsonInterval(successes: number, trials: number, z = 1.96): [number, number] {
  if (trials === 0) return [0, 1];
  const p = successes / trials;
  const denom = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
