import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, gatewayProcessEnv } from '../helpers/cli.ts';
import { tempDir, until } from '../helpers/gateway.ts';

describe('npm run demo (storegate demo)', () => {
  it('starts a living simulated store (the store-day scenario on a loop): dashboard, devices online, shoppers in zones, a locker being loaded, pages; stops cleanly', async () => {
    const dir = tempDir();
    const { env, ports } = await gatewayProcessEnv({ STOREGATE_LOG_LEVEL: 'info' });
    const { http } = ports;
    const child = spawn(process.execPath, [CLI, 'demo', '--data-dir', join(dir, 'demo'), '--speed', '480'], {
      env,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(() => /dashboard: +http:\/\/localhost:\d+\/#token=/.test(out), 60_000, 'the dashboard URL');
      const cloudUrl = /cloud: +(http:\/\/127.0.0.1:\d+\/events)/.exec(out)?.[1];
      expect(cloudUrl).toBeDefined();
      const base = `http://127.0.0.1:${http}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const page = await fetch(`${base}/`);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const token = readFileSync(join(dir, 'demo', 'admin-token'), 'utf8').trim();
      const admin = { authorization: `Bearer ${token}` };
      const staff = { authorization: 'Bearer demo-staff-token' };

      await until(
        async () => {
          const { devices } = (await (await fetch(`${base}/api/v1/devices`, { headers: admin })).json()) as { devices: Array<{ connected: boolean }> };
          return devices.length >= 6 && devices.every((d) => d.connected);
        },
        30_000,
        'every demo device connected',
      );
      await until(
        async () => {
          const p = (await (await fetch(`${base}/api/v1/presence`, { headers: staff })).json()) as { shoppers: unknown[] };
          return p.shoppers.length > 0;
        },
        60_000,
        'a shopper in a zone',
      );
      await until(
        async () => {
          const l = (await (await fetch(`${base}/api/v1/lockers`, { headers: staff })).json()) as { compartments: Array<{ state: string }> };
          return l.compartments.some((c) => c.state !== 'free');
        },
        60_000,
        'a parcel in the locker bank',
      );
      expect((await fetch(`${base}/staff/lockers`)).status).toBe(200);
      expect((await fetch(`${base}/staff/fitting-rooms`)).status).toBe(200);
      expect(out).toMatch(/admin token: +\S+/);
      expect(out).toMatch(/staff token: demo-staff-token/);
      // the mirror URL carries the mirror's key: its page's state stream opens with it, and not without
      const key = decodeURIComponent(/mirror: +http:\/\/localhost:\d+\/mirror\/mirror-1#key=(\S+)/.exec(out)?.[1] ?? '');
      expect(key).not.toBe('');
      expect((await fetch(`${base}/mirror/mirror-1`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/fitting/mirrors/mirror-1/state`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      expect((await fetch(`${base}/api/v1/fitting/mirrors/mirror-1/state`)).status).toBe(401);
      const forwarded = await until(
        async () => {
          const c = (await (await fetch(cloudUrl as string)).json()) as { byType: Record<string, number> };
          return c.byType['locker.parcel.loaded'] ? c : undefined;
        },
        60_000,
        'the parcel-loaded event at the local cloud',
      );
      expect(JSON.stringify(forwarded)).not.toMatch(/"code"/);
      // the gateway's log is in the data dir, not in the store's story on the terminal, and holds no token or key
      const log = readFileSync(join(dir, 'demo', 'demo.log'), 'utf8');
      expect(log).toMatch(/storegate started/);
      expect(out).not.toMatch(/"level":/);
      for (const secret of [token, 'demo-staff-token', key]) expect(log).not.toContain(secret);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 180_000);
});
