import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, metricValue, runCliIn, STAFF_TOKEN, startGateway, until } from './helpers.ts';

const post = (gw: { ports: { http: number } }, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${gw.ports.http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const get = (gw: { ports: { http: number } }, path: string, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${gw.ports.http}${path}`, { headers });
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const sessionCookie = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

describe('staff accounts', () => {
  it('logs a person in with their PIN into an HttpOnly SameSite=Strict session; the PIN is stored only as a scrypt hash', async () => {
    const gw = await startGateway();
    const added = await post(gw, '/api/v1/staff', { login: 'anna', name: 'Anna K', role: 'fitting' }, admin);
    expect(added.status).toBe(201);
    const { pin } = (await added.json()) as { pin: string };
    expect(pin).toMatch(/^\d{6}$/);
    const row = await gw.db.get<{ secret_hash: string }>('SELECT secret_hash FROM staff_accounts WHERE login = ?', ['anna']);
    expect(row?.secret_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row?.secret_hash).not.toContain(pin);

    const res = await post(gw, '/api/v1/staff/login', { login: 'anna', secret: pin });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ login: 'anna', name: 'Anna K', role: 'fitting' });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^sg_session=sgs_[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const me = await get(gw, '/api/v1/staff/me', { cookie: sessionCookie(res) });
    expect(await me.json()).toMatchObject({ kind: 'staff', id: 'anna', name: 'Anna K', roles: ['fitting'] });
    // neither the PIN nor the session token reaches a log line
    const token = sessionCookie(res).split('=')[1] ?? '';
    expect(gw.logs.lines.filter((l) => l.includes(pin) || l.includes(token))).toEqual([]);

    // logged out: the cookie no longer works
    expect((await post(gw, '/api/v1/staff/logout', {}, { cookie: sessionCookie(res) })).status).toBe(200);
    expect((await get(gw, '/api/v1/staff/me', { cookie: sessionCookie(res) })).status).toBe(401);
  });

  it('scopes by role: fitting staff cannot open lockers, fulfilment staff cannot answer size requests, neither manages accounts', async () => {
    const gw = await startGateway();
    await gw.staff.add({ login: 'fit', name: 'Fiona', role: 'fitting', secret: '246810' });
    await gw.staff.add({ login: 'ful', name: 'Fred', role: 'fulfilment', secret: '135791' });
    const login = async (l: string, s: string) => ({ cookie: sessionCookie(await post(gw, '/api/v1/staff/login', { login: l, secret: s })) });
    const fit = await login('fit', '246810');
    const ful = await login('ful', '135791');
    expect((await get(gw, '/api/v1/fitting/size-requests', fit)).status).toBe(200);
    expect((await get(gw, '/api/v1/lockers', fit)).status).toBe(403);
    expect((await get(gw, '/api/v1/lockers', ful)).status).toBe(200);
    expect((await get(gw, '/api/v1/fitting/size-requests', ful)).status).toBe(403);
    expect((await get(gw, '/api/v1/staff', ful)).status).toBe(403);
    // the shared staff token keeps working for both
    expect((await get(gw, '/api/v1/lockers', { authorization: `Bearer ${STAFF_TOKEN}` })).status).toBe(200);
    expect((await get(gw, '/api/v1/fitting/size-requests', { authorization: `Bearer ${STAFF_TOKEN}` })).status).toBe(200);
  });

  it('scopes a named integration token to its roles and names it in the audit', async () => {
    const gw = await startGateway({ overrides: { 'http.apiTokens': [{ name: 'pos', token: 'pos-integration-token-0123456789', roles: ['fulfilment'] }] } });
    const pos = { authorization: 'Bearer pos-integration-token-0123456789' };
    expect((await get(gw, '/api/v1/lockers', pos)).status).toBe(200);
    expect((await get(gw, '/api/v1/fitting/size-requests', pos)).status).toBe(403);
    expect(await (await get(gw, '/api/v1/staff/me', pos)).json()).toMatchObject({ kind: 'token', id: 'pos', roles: ['fulfilment'] });
  });

  it('locks an account after 5 wrong PINs for 15 minutes, even with the right PIN, until store IT resets it', async () => {
    const gw = await startGateway();
    await gw.staff.add({ login: 'ben', name: 'Ben', role: 'fulfilment', secret: '112233' });
    for (let i = 0; i < 4; i++) expect((await post(gw, '/api/v1/staff/login', { login: 'ben', secret: `99999${i}` })).status).toBe(401);
    const fifth = await post(gw, '/api/v1/staff/login', { login: 'ben', secret: '999995' });
    expect(fifth.status).toBe(429);
    expect((await fifth.json()).message).toContain('locked');
    expect((await post(gw, '/api/v1/staff/login', { login: 'ben', secret: '112233' })).status).toBe(429);
    const locked = (await gw.staff.get('ben'))?.lockedUntil;
    expect(Date.parse(locked ?? '') - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(await metricValue(gw, 'storegate_staff_logins_total', { outcome: 'wrong' })).toBe(4);

    const reset = await post(gw, '/api/v1/staff/ben/reset', {}, admin);
    const { pin } = (await reset.json()) as { pin: string };
    expect((await post(gw, '/api/v1/staff/login', { login: 'ben', secret: '112233' })).status).toBe(401);
    expect((await post(gw, '/api/v1/staff/login', { login: 'ben', secret: pin })).status).toBe(200);
    // unknown logins get the same answer as a wrong PIN
    expect((await post(gw, '/api/v1/staff/login', { login: 'nobody', secret: '123456' })).status).toBe(401);
  });

  it('refuses a short PIN, a bad role and a duplicate login', async () => {
    const gw = await startGateway();
    expect((await post(gw, '/api/v1/staff', { login: 'cem', name: 'Cem', role: 'fitting', secret: '1234' }, admin)).status).toBe(400);
    expect((await post(gw, '/api/v1/staff', { login: 'cem', name: 'Cem', role: 'boss' }, admin)).status).toBe(400);
    expect((await post(gw, '/api/v1/staff', { login: 'cem', name: 'Cem', role: 'fitting' }, admin)).status).toBe(201);
    expect((await post(gw, '/api/v1/staff', { login: 'cem', name: 'Cem 2', role: 'fitting' }, admin)).status).toBe(409);
  });

  it("storegate staff add/list/disable works through the database file; a running gateway ends the disabled person's session", async () => {
    const gw = await startGateway();
    const add = await runCliIn(gw.dataDir, ['staff', 'add', '--login', 'dora', '--name', 'Dora M', '--role', 'fitting']);
    expect(add.code).toBe(0);
    const pin = /PIN for dora: (\d{6})/.exec(add.stdout)?.[1] ?? '';
    expect(pin).toMatch(/^\d{6}$/);
    const res = await post(gw, '/api/v1/staff/login', { login: 'dora', secret: pin });
    expect(res.status).toBe(200);
    const cookie = { cookie: sessionCookie(res) };
    expect((await get(gw, '/api/v1/staff/me', cookie)).status).toBe(200);
    const list = await runCliIn(gw.dataDir, ['staff', 'list']);
    expect(list.stdout).toMatch(/dora\s+Dora M\s+fitting\s+enabled/);
    expect((await runCliIn(gw.dataDir, ['staff', 'disable', 'dora'])).code).toBe(0);
    await until(async () => (await get(gw, '/api/v1/staff/me', cookie)).status === 401, 10_000, 'session ended');
    expect((await post(gw, '/api/v1/staff/login', { login: 'dora', secret: pin })).status).toBe(401);
  });
});
