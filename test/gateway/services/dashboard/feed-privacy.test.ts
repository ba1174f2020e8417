import { describe, expect, it, onTestFinished } from 'vitest';
import { startGateway, until } from '../../../helpers/gateway.ts';
import { type SseMessage, sseClient } from './sse-client.ts';

describe('the admin live feed', () => {
  it("never shows the shopper's contact inside order.intent.created (the channel only), while the order itself is shown", async () => {
    const gw = await startGateway();
    const got: SseMessage[] = [];
    const client = await sseClient(gw.ports.http, (m) => got.push(m));
    onTestFinished(() => client.close());
    const order = (n: number, contact?: { channel: 'sms' | 'email'; address: string }) =>
      gw.bus.make('order.intent.created', `storegate/${gw.config.storeId}/mirror/mr-01`, {
        orderIntentId: `oi-${n}`,
        sessionId: 'fs-1',
        shopperId: null,
        mirrorId: 'mr-01',
        sku: 'SKU-1',
        size: 'M',
        delivery: 'home',
        pickupStoreId: null,
        ...(contact ? { contact } : {}),
      });
    gw.bus.emit(order(1, { channel: 'sms', address: '+4915112345678' }));
    gw.bus.emit(order(2, { channel: 'email', address: 'kim@example.org' }));
    gw.bus.emit(order(3));
    const orders = await until(() => {
      const o = got.filter((m) => m.event === 'event' && (m.data as { type: string }).type === 'order.intent.created');
      return o.length === 3 ? o : undefined;
    });
    const data = (orders ?? []).map((m) => (m.data as { data: Record<string, unknown> }).data);
    expect(data.map((d) => [d.orderIntentId, d.contact])).toEqual([
      ['oi-1', { channel: 'sms', address: '(hidden)' }],
      ['oi-2', { channel: 'email', address: '(hidden)' }],
      ['oi-3', undefined],
    ]);
    const raw = JSON.stringify(got);
    expect(raw).not.toContain('+4915112345678');
    expect(raw).not.toContain('kim@example.org');
  });
});
