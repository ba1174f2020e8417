import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type TestGateway, until } from '../../../helpers/gateway.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const ERP = 'erp-integration-token-0123456789';

async function person(gw: TestGateway, login: string, name: string, role: string) {
  const added = await gw.http.inject({ method: 'POST', url: '/api/v1/staff', headers: admin, payload: { login, name, role } });
  expect(added.statusCode).toBe(201);
  const { pin } = added.json() as { pin: string };
  const res = await gw.http.inject({ method: 'POST', url: '/api/v1/staff/login', payload: { login, secret: pin } });
  expect(res.statusCode).toBe(200);
  return { cookie: String(res.headers['set-cookie']).split(';')[0] ?? '' };
}

async function jam(gw: TestGateway) {
  gw.bus.emit(
    gw.bus.make('alert.raised', `storegate/${gw.config.storeId}/locker/lk-01`, {
      key: 'locker:A3:jam',
      severity: 'critical',
      message: 'compartment A3 jammed',
      deviceId: 'lk-01',
    }),
  );
  const res = await until(async () => {
    const r = await gw.http.inject({ method: 'GET', url: '/api/v1/alerts', headers: admin });
    const open = (r.json() as { open: Array<{ id: number; key: string }> }).open;
    return open.find((a) => a.key === 'locker:A3:jam');
  });
  return res?.id ?? 0;
}

describe('alert actions over HTTP', () => {
  it('lets fulfilment staff acknowledge a locker alert in their name, refuses fitting staff, and names an integration token', async () => {
    const gw = await startGateway({ overrides: { 'http.apiTokens': [{ name: 'erp', token: ERP, roles: ['fulfilment'] }] } });
    const emre = await person(gw, 'emre', 'Emre Y', 'fulfilment');
    const anna = await person(gw, 'anna', 'Anna K', 'fitting');
    const id = await jam(gw);

    const ack = (headers: Record<string, string>, payload?: unknown) =>
      gw.http.inject({ method: 'POST', url: `/api/v1/alerts/${id}/ack`, headers, ...(payload ? { payload } : {}) });
    const mine = async (headers: Record<string, string>) =>
      ((await gw.http.inject({ method: 'GET', url: '/api/v1/alerts/mine', headers })).json() as { open: Array<{ key: string }> }).open.map((a) => a.key);
    expect(await mine(emre)).toEqual(['locker:A3:jam']);
    expect(await mine(anna)).toEqual([]);
    expect((await ack(anna, { note: 'x' })).statusCode).toBe(403);
    expect((await ack({}, { note: 'x' })).statusCode).toBe(401);
    expect((await ack(emre, { note: 'z'.repeat(501) })).statusCode).toBe(400);
    const ok = await ack(emre, { note: 'freed the door, parcel fine' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ key: 'locker:A3:jam', ackedBy: 'staff:emre', ackedName: 'Emre Y', ackNote: 'freed the door, parcel fine' });
    expect((await ack(emre, {})).statusCode).toBe(409);
    expect((await gw.http.inject({ method: 'POST', url: '/api/v1/alerts/999999/ack', headers: admin, payload: {} })).statusCode).toBe(404);
    expect((await gw.http.inject({ method: 'POST', url: '/api/v1/alerts/nope/ack', headers: admin, payload: {} })).statusCode).toBe(400);

    // resolved, raised again: a new alert, acknowledged by the integration token
    gw.bus.emit(
      gw.bus.make('alert.resolved', `storegate/${gw.config.storeId}/locker/lk-01`, {
        key: 'locker:A3:jam',
        severity: 'critical',
        message: '',
        deviceId: 'lk-01',
      }),
    );
    const id2 = await until(async () => {
      const r = (await gw.http.inject({ method: 'GET', url: '/api/v1/alerts', headers: admin })).json() as { open: unknown[] };
      return r.open.length === 0 ? jam(gw) : undefined;
    });
    expect(id2).not.toBe(id);
    const byToken = await gw.http.inject({ method: 'POST', url: `/api/v1/alerts/${id2}/ack`, headers: { authorization: `Bearer ${ERP}` }, payload: {} });
    expect(byToken.json()).toMatchObject({ ackedBy: 'token:erp', ackedName: 'erp', ackNote: null });
    const audit = await gw.db.all<{ actor: string; action: string }>('SELECT actor, action FROM health_audit ORDER BY id');
    expect(audit).toEqual([
      { actor: 'staff:emre', action: 'ack' },
      { actor: 'token:erp', action: 'ack' },
    ]);
    expect(gw.logs.lines.filter((l) => l.includes(ERP))).toEqual([]);
  });

  it('mutes with bounded minutes and scopes by role; lists groups and mutes; unmutes; counts active alerts in /metrics', async () => {
    const gw = await startGateway();
    const emre = await person(gw, 'emre', 'Emre Y', 'fulfilment');
    const mute = (headers: Record<string, string>, payload: Record<string, unknown>) =>
      gw.http.inject({ method: 'POST', url: '/api/v1/alerts/mutes', headers, payload });
    expect((await mute(emre, { kind: 'locker', minutes: 0 })).statusCode).toBe(400);
    expect((await mute(emre, { kind: 'locker', minutes: 1441 })).statusCode).toBe(400);
    expect((await mute(emre, { minutes: 10 })).statusCode).toBe(400);
    expect((await mute(emre, { zone: 'back', minutes: 10 })).statusCode).toBe(403);
    expect((await mute(emre, { kind: 'beacon', minutes: 10 })).statusCode).toBe(403);
    const made = await mute(emre, { kind: 'locker', minutes: 15, note: 'controller firmware update' });
    expect(made.statusCode).toBe(201);
    const m = made.json() as { id: number; until: number; byActor: string };
    expect(m.byActor).toBe('staff:emre');

    await jam(gw);
    const list = (await gw.http.inject({ method: 'GET', url: '/api/v1/alerts', headers: admin })).json() as {
      open: Array<{ muteId: number | null }>;
      groups: Array<{ id: string; title: string; attention: number }>;
      mutes: Array<{ id: number }>;
    };
    expect(list.open[0]?.muteId).toBe(m.id);
    expect(list.mutes.map((x) => x.id)).toEqual([m.id]);
    expect(list.groups).toMatchObject([{ title: '1 locker jammed', attention: 0 }]);
    await gw.http.inject({ method: 'POST', url: '/api/v1/alerts/check', headers: admin });
    const after = (await gw.http.inject({ method: 'GET', url: '/metrics', headers: admin })).body;
    expect(after).toMatch(/storegate_health_active_alerts\{severity="critical",kind="locker",zone="none",state="muted"\} 1/);

    expect((await gw.http.inject({ method: 'DELETE', url: `/api/v1/alerts/mutes/${m.id}`, headers: emre })).statusCode).toBe(200);
    expect((await gw.http.inject({ method: 'DELETE', url: `/api/v1/alerts/mutes/${m.id}`, headers: emre })).statusCode).toBe(404);
    expect(((await gw.http.inject({ method: 'GET', url: '/api/v1/alerts/mutes', headers: emre })).json() as { mutes: unknown[] }).mutes).toEqual([]);
  });
});
