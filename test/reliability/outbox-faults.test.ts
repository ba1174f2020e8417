import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/mosquitto.ts';
import { connectDevice, type DeviceSeed, deviceTopicOf, endClient, type GatewaySite, gatewaySite, scrape, waitUntil } from './helpers/gateway-process.ts';
import { ackedEventId, missingEvents, withDb } from './helpers/store-check.ts';
import { recordSummary } from './helpers/summary.ts';

const devices: DeviceSeed[] = Array.from({ length: 2 }, (_, i) => ({ id: `ob-${i}`, kind: 'sensor', secret: `outbox-secret-${i}-0123456789` }));

/** A local stand-in for the cloud: answers, answers slowly, or takes the request and never answers. */
async function cloudReceiver() {
  let mode: 'ok' | 'slow' | 'stuck' = 'ok';
  const delivered = new Map<string, number>();
  const held: ServerResponse[] = [];
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'stuck') return void held.push(res);
      const answer = () => {
        // only what the cloud acknowledges counts as delivered
        for (const e of JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ id: string }>) delivered.set(e.id, (delivered.get(e.id) ?? 0) + 1);
        res.writeHead(200).end();
      };
      if (mode === 'slow') setTimeout(answer, 300);
      else answer();
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${port}/events`,
    delivered,
    requests: () => requests,
    set(m: typeof mode) {
      mode = m;
      if (m !== 'stuck') for (const res of held.splice(0)) res.destroy();
    },
    close: () => {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function publishStatuses(site: GatewaySite, prefix: string, perDevice: number): Promise<string[]> {
  const clients: MqttClient[] = await Promise.all(
    devices.map((d) => connectDevice(site.mqttUrl, { username: d.id, password: d.secret, clientId: `${d.id}-${prefix}` })),
  );
  const acked: string[] = [];
  await Promise.all(
    clients.map(async (c, i) => {
      const d = devices[i] as DeviceSeed;
      for (let n = 0; n < perDevice; n += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, perDevice - n) }, (_, k) => {
            const msgId = `${prefix}-${n + k}`;
            return new Promise<void>((resolve, reject) =>
              c.publish(deviceTopicOf(d, 'status'), JSON.stringify({ msgId, online: true, batteryPct: (n + k) % 100 }), { qos: 1 }, (err) => {
                if (err) return reject(err);
                acked.push(ackedEventId(d.id, 'status', msgId));
                resolve();
              }),
            );
          }),
        );
      }
    }),
  );
  await Promise.all(clients.map(endClient));
  return acked;
}

const rows: Parameters<typeof recordSummary>[1][] = [];
afterAll(() => {
  for (const r of rows) recordSummary(import.meta.filename, r);
});

describe('cloud faults', () => {
  it('keeps acknowledging device events while the cloud is stuck, through a SIGKILL, and delivers every one once it answers', async () => {
    const cloud = await cloudReceiver();
    const site = await gatewaySite({
      devices,
      config: {
        cloud: {
          forwarders: [{ name: 'cloud', kind: 'http', url: cloud.url, timeoutSeconds: 1, batchSize: 200 }],
          backoff: { initialMs: 50, maxMs: 500, jitter: 0 },
          maintenanceSeconds: 1,
        },
      },
    });
    let gw = await site.start();
    try {
      cloud.set('stuck');
      const acked = await publishStatuses(site, 'stuck', 300);
      // the forwarder has tried (and timed out) at least once while the devices were being acknowledged
      await waitUntil(() => cloud.requests() > 0, 20_000, 'a send attempt to the stuck cloud');
      expect(cloud.delivered.size).toBe(0);
      const exit = await gw.kill('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');

      gw = await site.start();
      cloud.set('slow');
      acked.push(...(await publishStatuses(site, 'slow', 100)));
      await waitUntil(() => acked.every((id) => cloud.delivered.has(id)), 90_000, 'every acknowledged status at the cloud');
      const duplicates = [...cloud.delivered.values()].filter((n) => n > 1).length;
      rows.push({
        name: 'stuck then slow cloud receiver, SIGKILL while stuck',
        cases: acked.length,
        faults: 2,
        lost: acked.filter((id) => !cloud.delivered.has(id)).length,
        note: `${cloud.requests()} cloud requests, ${duplicates} events delivered twice (at-least-once)`,
      });
      expect(gw.alive()).toBe(true);
    } finally {
      await gw.kill('SIGTERM');
      await cloud.close();
      site.remove();
    }
  });

  it('keeps acknowledging and storing device events when the outbox disk budget is full, dropping bulk cloud copies by count', async () => {
    const MAX_EVENTS = 100;
    const down = await freePort(); // nothing listens: the cloud is unreachable
    const site = await gatewaySite({
      devices,
      config: {
        cloud: {
          forwarders: [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${down}/events`, timeoutSeconds: 1 }],
          budget: { maxEvents: MAX_EVENTS },
          backoff: { initialMs: 200, maxMs: 1000 },
          maintenanceSeconds: 1,
        },
      },
    });
    const gw = await site.start();
    try {
      const acked = await publishStatuses(site, 'budget', 250);
      expect(acked).toHaveLength(500);
      const backlog = await waitUntil(
        async () => {
          const b = await scrape(site.url, 'storegate_outbox_backlog_events');
          return b <= MAX_EVENTS ? String(b) : null;
        },
        30_000,
        'the outbox back under its budget',
      );
      // every status (bulk) cloud copy is either still queued or dropped and counted: none vanished silently
      // (the backlog gauge refreshes each maintenance tick, the drop counter at once: wait for them to agree)
      const dropped = await waitUntil(
        async () => {
          const d = await scrape(site.url, 'storegate_outbox_dropped_events_total', { reason: 'budget', class: 'bulk' });
          const left = await scrape(site.url, 'storegate_outbox_backlog_events', { class: 'bulk' });
          return d + left === acked.length ? d : null;
        },
        20_000,
        'dropped + queued bulk copies = acknowledged statuses',
      );
      expect(dropped).toBeGreaterThan(0);
      // the budget bounds the cloud copy only: the gateway's own record keeps every acknowledged event
      const missing = await withDb(site.dbFile, (db) => missingEvents(db, acked));
      expect(missing).toEqual([]);
      expect(gw.alive()).toBe(true);
      rows.push({
        name: 'outbox disk budget full (cloud down)',
        cases: acked.length,
        faults: 1,
        lost: missing.length,
        note: `backlog ${backlog} ≤ ${MAX_EVENTS}, ${dropped} bulk cloud copies dropped and counted, every event kept locally`,
      });
    } finally {
      await gw.kill('SIGTERM');
      site.remove();
    }
  });
});
