import { describe, expect, it } from 'vitest';
import { lockerRig, staff } from '../services/lockers/helpers.ts';

describe('audited actions name the person', () => {
  it('a locker door opened by a logged-in person is audited as staff:<login>, by an integration as token:<name>', async () => {
    const { gw } = await lockerRig({
      overrides: { 'http.apiTokens': [{ name: 'courier-app', token: 'courier-app-token-0123456789', roles: ['fulfilment'] }] },
    });
    await gw.staff.add({ login: 'fred', name: 'Fred', role: 'fulfilment', secret: '135791' });
    const res = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/staff/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'fred', secret: '135791', bearer: true }),
    });
    const { token } = (await res.json()) as { token: string };
    expect(token).toMatch(/^sgs_/);
    expect((await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-7', size: 'M' }, token)).status).toBe(201);
    expect((await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'order-8', size: 'S' }, 'courier-app-token-0123456789')).status).toBe(201);
    const audit = (await staff(gw, 'GET', '/api/v1/lockers/audit')).body.audit as Array<{ actor: string; action: string; ref: string }>;
    const loads = audit.filter((a) => a.action === 'open:load').map((a) => a.actor);
    expect(loads.sort()).toEqual(['staff:fred', 'token:courier-app']);
  });
});
