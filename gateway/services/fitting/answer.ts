import type { MirrorCommand, RecognitionModelRef } from '../../../devices/smart-mirror/messages.ts';
import type { Db } from '../../store/db.ts';
import type { Ctx } from './context.ts';
import { coOccurrenceFor, recordItem, recordShown } from './sessions.ts';
import { findProduct, productView, suggestAll } from './suggest.ts';

/**
 * What the shopper sees for a product: it, its other sizes and colours, what goes with it, similar items (ranked
 * by the frame's embedding when the answer comes from a frame).
 */
export async function answerFor(
  ctx: Ctx,
  tx: Db,
  sessionId: string,
  sku: string,
  label: string,
  confidence: number,
  via: 'model' | 'pick' | 'tag',
  frameEmbedding?: number[],
  model?: RecognitionModelRef,
): Promise<MirrorCommand> {
  const p = findProduct(ctx.catalog, sku);
  if (!p)
    return {
      type: 'recognised',
      sessionId,
      label,
      confidence,
      unsure: false,
      via,
      ...(model ? { model } : {}),
      item: null,
      suggestions: { sizes: [], colours: [], goesWith: [], similar: [] },
    };
  // a tagged item's row is written by the tag handler (size, EPC, camera verdict)
  if (via !== 'tag') await recordItem(tx, sessionId, p.sku, p.category, via, ctx.now(), model);
  const history = await coOccurrenceFor(tx, p.sku, sessionId);
  const suggestions = suggestAll(ctx.catalog, p, history, ctx.cfg.suggestions, frameEmbedding, ctx.catalog.freshness(ctx.now()));
  await recordShown(
    tx,
    sessionId,
    [
      ...suggestions.colours.map((s) => ({ sku: s.sku, kind: 'colour' })),
      ...suggestions.goesWith.map((s) => ({ sku: s.sku, kind: 'goes_with' })),
      ...suggestions.similar.map((s) => ({ sku: s.sku, kind: 'similar' })),
    ],
    ctx.now(),
  );
  return { type: 'recognised', sessionId, label, confidence, unsure: false, via, ...(model ? { model } : {}), item: productView(p), suggestions };
}
