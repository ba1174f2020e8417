import type { Ctx } from './context.ts';

/** The bounded labels of a return for metrics: configured category and reason codes, else `other` (never an item id). */
export const returnLabels = (ctx: Ctx, category: string, reason: string, channel: string) => ({
  category: ctx.label(category, [...ctx.cfg.returns.categories, ...(ctx.cfg.returns.keepIt?.categories ?? []), 'uncategorised']),
  reason: ctx.label(reason, ctx.cfg.returns.reasons),
  channel,
});
