import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { metricValue, nextEvent, until } from '../../../helpers/gateway.ts';
import { SHIPPED } from '../recognition/rollout-helpers.ts';
import { sha256Hex } from '../../../../gateway/services/recognition/index.ts';
import { fittingRig, frameOf, ITEMS, UNSURE_ITEM } from './helpers.ts';

const SHADOW = fileURLToPath(new URL('../../../fixtures/models/centroid-linear.onnx', import.meta.url));
const SHIPPED_SHA = sha256Hex(SHIPPED);

describe('the model travels with every recognition result', () => {
  it("names the model (id + sha256) in the mirror's answers, fitting_items and fitting.session.closed; a configured shadow model never answers the mirror", async () => {
    const { gw, mirror } = await fittingRig({ overrides: { 'recognition.shadow': { modelPath: SHADOW } } });
    const model = { id: `product-cnn-${SHIPPED_SHA.slice(0, 12)}`, sha256: SHIPPED_SHA, version: null };
    await mirror.presence(true);
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    const r = await mirror.nextCommand('recognised');
    expect(r).toMatchObject({ via: 'model', model, item: { sku: 'SG-0301' } });
    await mirror.sendFrame(await frameOf(UNSURE_ITEM));
    const ask = await mirror.nextCommand('ask_pick');
    expect(ask.model).toEqual(model);
    // the shadow ran on both frames, and neither answer came from it
    await until(
      async () =>
        (await metricValue(gw, 'storegate_recognition_shadow_frames_total', { outcome: 'agree' })) +
          (await metricValue(gw, 'storegate_recognition_shadow_frames_total', { outcome: 'disagree' })) ===
        2,
      10_000,
      'two shadow comparisons',
    );
    await mirror.interact({ type: 'pick', productId: 'SG-0101' });
    await mirror.nextCommand('recognised', (c) => c.via === 'pick');

    expect(await gw.db.all('SELECT sku, via, model_id, model_sha256 FROM fitting_items ORDER BY at, sku')).toEqual([
      { sku: 'SG-0301', via: 'model', model_id: model.id, model_sha256: SHIPPED_SHA },
      { sku: 'SG-0101', via: 'pick', model_id: null, model_sha256: null },
    ]);
    const closed = nextEvent(gw, 'fitting.session.closed');
    await mirror.presence(false);
    const e = await closed;
    expect((e.data as { items: unknown[] }).items).toEqual([
      { sku: 'SG-0301', category: 'Dress', via: 'model', modelId: model.id, modelSha256: SHIPPED_SHA },
      { sku: 'SG-0101', category: 'Trouser', via: 'pick', modelId: null, modelSha256: null },
    ]);
    const row = await until(() => gw.db.get<{ body: string }>('SELECT body FROM outbox_events WHERE id = ?', [e.id]), 5000, 'outbox row');
    expect(JSON.parse(row?.body ?? '{}').data.items[0]).toMatchObject({ modelSha256: SHIPPED_SHA });
  });
});
