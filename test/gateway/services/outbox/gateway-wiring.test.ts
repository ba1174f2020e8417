import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, metricValue, STAFF_TOKEN, startGateway, until } from '../../../helpers/gateway.ts';
import { event, startReceiver } from './harness.ts';

describe('outbox in a running gateway', () => {
  it('forwards a routed event a unit of work commits to the cloud and shows it in /api/v1/outbox (admin only) and /metrics', async () => {
    const rx = await startReceiver();
    const gw = await startGateway({ overrides: { 'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: rx.url, token: 'cloud-secret-token' }] } });
    const e = event('alert.device.offline', `storegate/${gw.config.storeId}/gateway/health`, 0);
    await gw.work.run(async (w) => w.emit(e));
    await until(() => rx.received.length === 1, 5000, 'the alert at the receiver');
    expect(rx.received[0]).toMatchObject({ id: e.id, type: 'storegate.alert.device.offline', priority: 'critical' });

    const get = (token?: string) => gw.http.inject({ method: 'GET', url: '/api/v1/outbox', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await get()).statusCode).toBe(401);
    expect((await get(STAFF_TOKEN)).statusCode).toBe(403);
    await until(async () => (await get(ADMIN_TOKEN)).json().forwarders[0].sent === 1, 5000, 'sent counted');
    expect((await get(ADMIN_TOKEN)).json()).toMatchObject({ backlog: { events: 0 }, forwarders: [{ name: 'cloud', kind: 'http', state: 'up', pending: 0 }] });
    expect(await metricValue(gw, 'storegate_outbox_sent_events_total', { forwarder: 'cloud' })).toBe(1);
    expect(await metricValue(gw, 'storegate_outbox_forwarder_state', { forwarder: 'cloud', state: 'up' })).toBe(1);
    expect(gw.logs.lines.join('\n')).not.toContain('cloud-secret-token');
  });

  it('keeps the outbox empty and idle when no forwarder is configured', async () => {
    const gw = await startGateway();
    await gw.work.run(async (w) => w.emit(event('locker.parcel.loaded', `storegate/${gw.config.storeId}/locker/lk-01`, 0)));
    const st = await gw.http.inject({ method: 'GET', url: '/api/v1/outbox', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(st.json()).toMatchObject({ backlog: { events: 0 }, forwarders: [] });
  });
});
