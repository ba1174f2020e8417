import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, STAFF_TOKEN, startGateway } from '../../../helpers/gateway.ts';

const get = (port: number, path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${path}`, { headers });

describe('dashboard API', () => {
  it('answers 401 to every dashboard API call without the admin token, and 403 to the staff token', async () => {
    const gw = await startGateway();
    const port = gw.ports.http;
    for (const path of ['/api/v1/dashboard/overview', '/api/v1/dashboard/devices/x/log', '/api/v1/dashboard/stream', '/api/v1/alerts']) {
      expect((await get(port, path)).status, path).toBe(401);
      expect((await get(port, path, { authorization: 'Bearer wrong' })).status, path).toBe(401);
      expect((await get(port, path, { cookie: 'sg_token=wrong' })).status, path).toBe(401);
      expect((await get(port, path, { authorization: `Bearer ${STAFF_TOKEN}` })).status, path).toBe(403);
    }
    const res = await get(port, '/api/v1/dashboard/overview', { cookie: `sg_token=${encodeURIComponent(ADMIN_TOKEN)}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ storeId: 'store-1', devices: [], alerts: { open: [], resolved: [] } });
  });

  it('serves the page shell and its assets without the token, and the token appears in neither, nor in the logs', async () => {
    const gw = await startGateway();
    const port = gw.ports.http;
    const page = await get(port, `/?token=${ADMIN_TOKEN}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="loginForm"');
    expect(html).not.toContain(ADMIN_TOKEN);
    for (const f of ['app.js', 'core.js', 'views.js', 'panels.js', 'charts.js', 'app.css', 'vendor/uplot.js', 'vendor/uplot.css']) {
      const r = await get(port, `/dashboard/${f}`);
      expect(r.status, f).toBe(200);
      expect(await r.text()).not.toContain(ADMIN_TOKEN);
    }
    expect((await get(port, '/dashboard/../../package.json')).status).toBe(404);
    await get(port, '/api/v1/dashboard/overview', { authorization: `Bearer ${ADMIN_TOKEN}` });
    // a token in a query string is refused (it would land in browser history and proxy logs)
    expect((await get(port, `/api/v1/dashboard/overview?token=${ADMIN_TOKEN}`)).status).toBe(401);
    expect(gw.logs.lines.join('\n')).not.toContain(ADMIN_TOKEN);
  });
});
