/** Traffic split between the old cluster X and the new cluster Y, in percent; x + y = 100. */
export interface Weights {
  x: number;
  y: number;
}

export function weightsForY(percentY: number): Weights {
  return { x: 100 - percentY, y: percentY };
}

export function isValidWeights(w: Weights): boolean {
  return Number.isInteger(w.x) && Number.isInteger(w.y) && w.x >= 0 && w.y >= 0 && w.x + w.y === 100;
}
