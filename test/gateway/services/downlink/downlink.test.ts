import { describe, expect, it } from 'vitest';
import { metricValue, STAFF_TOKEN } from '../../../helpers/gateway.ts';
import { downlinkRig } from './helpers.ts';

const pick = (rig: Awaited<ReturnType<typeof downlinkRig>>, productId: string) =>
  rig.api('POST', '/api/v1/fitting/mirrors/mirror-1/interactions', { type: 'pick', productId }, STAFF_TOKEN);
const sizeRequest = (rig: Awaited<ReturnType<typeof downlinkRig>>, productId: string, size: string) =>
  rig.api('POST', '/api/v1/fitting/mirrors/mirror-1/interactions', { type: 'size_request', productId, size }, STAFF_TOKEN);
const sizesOf = (answer: Record<string, unknown>) =>
  Object.fromEntries(((answer.item as { sizes: Array<{ size: string; inStock: boolean }> }).sizes ?? []).map((s) => [s.size, s.inStock]));

describe('downlink over the HTTP feed (ETag)', () => {
  it('applies stock changes at once: a size sold out leaves the mirror, a size request becomes "order online", a recount replaces the level', async () => {
    const rig = await downlinkRig();
    await rig.addMirror();
    // SG-0001: XS 3, S 1, M 5, L 1, XL 8 in the seed file
    expect(sizesOf((await pick(rig, 'SG-0001')).body).S).toBe(true);
    await rig.cloud.stock([{ sku: 'SG-0001', size: 'S', reason: 'sale', quantity: 1 }]);
    await rig.cloud.stock([
      { sku: 'SG-0001', size: 'M', reason: 'sale', quantity: 2 },
      { sku: 'SG-0001', size: 'M', reason: 'return', quantity: 1 },
      { sku: 'SG-0001', size: 'XL', reason: 'transfer', quantity: -3 },
      { sku: 'SG-0001', size: 'L', reason: 'recount', quantity: 7 },
    ]);
    await rig.pull();
    expect(await rig.position('stock')).toBe(2);
    expect(await rig.stockOf('SG-0001')).toEqual({ XS: 3, S: 0, M: 4, L: 7, XL: 5 });
    const answer = (await pick(rig, 'SG-0001')).body;
    expect(sizesOf(answer).S).toBe(false);
    expect((answer.suggestions as { sizes: Array<{ size: string }> }).sizes.map((s) => s.size)).not.toContain('S');
    expect((await sizeRequest(rig, 'SG-0001', 'S')).body).toMatchObject({ type: 'order_online', offer: { sku: 'SG-0001', size: 'S' } });

    // the same feed again (no change): 304, nothing applied twice
    const applied = await metricValue(rig.gw, 'storegate_downlink_messages_total', { outcome: 'applied' });
    await rig.pull();
    expect(rig.server.stats.notModified).toBeGreaterThan(0);
    expect(await metricValue(rig.gw, 'storegate_downlink_messages_total', { outcome: 'applied' })).toBe(applied);
    expect(await rig.stockOf('SG-0001')).toEqual({ XS: 3, S: 0, M: 4, L: 7, XL: 5 });
  });

  it('keeps the stock and the positions across a restart, and a message seen again is a duplicate', async () => {
    const rig = await downlinkRig();
    await rig.cloud.stock([{ sku: 'SG-0002', size: 'S', reason: 'sale', quantity: 8 }]);
    await rig.pull();
    expect(await rig.stockOf('SG-0002')).toMatchObject({ S: 0 });
    // a catalog change: a new item and a price
    await rig.cloud.catalog({
      upsert: [{ sku: 'SG-9001', name: 'Linen shirt', category: 'Shirt', colour: 'sand', gtins: ['04012345678901'], sizes: [{ size: 'M', stock: 2 }] }],
      patch: [{ sku: 'SG-0002', price: { amount: 19.9, currency: 'EUR' } }],
    });
    await rig.pull();
    expect((await rig.api('GET', '/api/v1/catalog/products/SG-9001', undefined, STAFF_TOKEN)).body).toMatchObject({
      name: 'Linen shirt',
      sizes: [{ size: 'M', stock: 2 }],
    });
    expect((await rig.api('GET', '/api/v1/catalog/products/SG-0002', undefined, STAFF_TOKEN)).body).toMatchObject({ price: { amount: 19.9, currency: 'EUR' } });

    const { startGateway } = await import('../../../helpers/gateway.ts');
    const dataDir = rig.gw.dataDir;
    const config = rig.gw.config;
    await rig.gw.stopGateway();
    const again = await startGateway({
      dataDir,
      overrides: { 'downlink.keys': config.downlink.keys, 'downlink.http': { ...config.downlink.http, intervalSeconds: 3600 } },
    });
    const api = (url: string) =>
      fetch(`http://127.0.0.1:${again.ports.http}${url}`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } }).then((r) => r.json());
    expect(await api('/api/v1/catalog/products/SG-0002')).toMatchObject({
      sizes: expect.arrayContaining([expect.objectContaining({ size: 'S', stock: 0 })]),
      price: { amount: 19.9 },
    });
    expect(await api('/api/v1/catalog/products/SG-9001')).toMatchObject({ name: 'Linen shirt' });
    const { until } = await import('../../../helpers/gateway.ts');
    // the feed still holds both messages: the restarted gateway pulls them again and applies neither
    await until(async () => (await metricValue(again, 'storegate_downlink_messages_total', { outcome: 'duplicate' })) === 2, 10_000, 'two duplicates');
    expect(await metricValue(again, 'storegate_downlink_messages_total', { outcome: 'applied' })).toBe(0);
    expect(await api('/api/v1/catalog/products/SG-0002')).toMatchObject({ sizes: expect.arrayContaining([expect.objectContaining({ size: 'S', stock: 0 })]) });
  });

  it('on a gap holds what is ahead, asks the cloud to resend (an upstream event) and applies in order once the gap is filled', async () => {
    const rig = await downlinkRig();
    const one = rig.cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0002', size: 'M', reason: 'recount', quantity: 10 }] }).signed;
    const two = rig.cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0002', size: 'M', reason: 'sale', quantity: 4 }] }).signed;
    const three = rig.cloud.make('stock', 'stock.changed', { changes: [{ sku: 'SG-0002', size: 'M', reason: 'recount', quantity: 1 }] }).signed;
    rig.setFeed([one, three]);
    await rig.pull();
    expect(await rig.position('stock')).toBe(1);
    expect((await rig.status()).streams.find((s) => s.stream === 'stock')?.held).toBe(1);
    // the recount of #3 must not be applied before the sale of #2
    expect(await rig.stockOf('SG-0002')).toMatchObject({ M: 10 });
    const resync = await rig.gw.db.all<{ body: string }>("SELECT body FROM outbox_events WHERE type = 'downlink.resync.requested'");
    expect(resync.map((r) => (JSON.parse(r.body) as { data: unknown }).data)).toEqual([{ stream: 'stock', from: 2, received: 3 }]);
    expect(await metricValue(rig.gw, 'storegate_downlink_resync_requests_total', { stream: 'stock' })).toBe(1);

    rig.setFeed([two]);
    await rig.pull();
    expect(await rig.position('stock')).toBe(3);
    expect(await rig.stockOf('SG-0002')).toMatchObject({ M: 1 });
  });

  it('marks suggestions "stock as of" once the feed has been unreachable longer than staleAfterSeconds, and shows the age on /metrics', async () => {
    const rig = await downlinkRig();
    await rig.addMirror();
    await rig.pull();
    const syncedAt = (await rig.status()).stock.asOf;
    expect((await pick(rig, 'SG-0001')).body.suggestions).not.toHaveProperty('stockAsOf');
    await rig.server.close();
    // 11 minutes of failed pulls (staleAfterSeconds 600)
    for (let i = 0; i < 66; i++) rig.clock.advance(10_000);
    await rig.gw.work.flush();
    const st = await rig.status();
    expect(st.stock).toMatchObject({ stale: true, asOf: syncedAt });
    expect(st.stock.ageSeconds).toBeGreaterThan(600);
    expect((await pick(rig, 'SG-0001')).body.suggestions).toMatchObject({ stockAsOf: syncedAt });
    expect(await metricValue(rig.gw, 'storegate_downlink_stock_age_seconds')).toBeGreaterThan(600);
  });
});
