import { z } from 'zod';

/** Weights as a router reports them: whole percents that add up to 100. */
export const routerWeightsSchema = z
  .object({
    x: z.number().int().min(0).max(100),
    y: z.number().int().min(0).max(100),
  })
  .refine((w) => w.x + w.y === 100, { message: 'x + y must be 100' });

export type RouterWeights = z.infer<typeof routerWeightsSchema>;
