import { describe, expect, it } from 'vitest';
import { runLoad } from '../../simulators/load.ts';
import { ADMIN_TOKEN, startGateway } from '../helpers/gateway.ts';

describe('load generator (storegate simulate load)', () => {
  it('registers devices of mixed kinds, sends at the asked rate, counts every PUBACK, says online and offline (retained), and revokes the devices afterwards', async () => {
    const gw = await startGateway();
    const r = await runLoad({
      url: `mqtt://127.0.0.1:${gw.ports.mqtt}`,
      httpUrl: `http://127.0.0.1:${gw.ports.http}`,
      adminToken: ADMIN_TOKEN,
      storeId: gw.config.storeId,
      devices: 8,
      rate: 200,
      durationSeconds: 2,
    });
    expect(r.connected).toBe(8);
    expect(r.sent).toBeGreaterThan(100);
    expect(r.acked).toBe(r.sent);
    expect(r.rejected).toBe(0);
    const stored = await gw.db.get<{ n: number; kinds: number }>(
      "SELECT COUNT(*) AS n, COUNT(DISTINCT kind) AS kinds FROM device_events WHERE device_id LIKE 'load-%' AND channel = 'telemetry'",
    );
    expect(stored?.n).toBe(r.sent);
    expect(stored?.kinds).toBe(4);
    // like every simulated device: a status online at connect and offline before a clean disconnect
    const statuses = await gw.db.all<{ data: string }>("SELECT data FROM device_events WHERE device_id LIKE 'load-%' AND channel = 'status' ORDER BY seq");
    expect(statuses.filter((s) => JSON.parse(s.data).online === true)).toHaveLength(8);
    expect(statuses.filter((s) => JSON.parse(s.data).online === false)).toHaveLength(8);
    const enabled = await gw.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM devices WHERE id LIKE 'load-%' AND enabled = 1");
    expect(enabled?.n).toBe(0);
  });
});
