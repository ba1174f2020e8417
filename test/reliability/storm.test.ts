import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../simulators/rng.ts';
import { connectDevice, type DeviceSeed, deviceTopicOf, endClient, gatewaySite, scrape } from './helpers/gateway-process.ts';
import { ackedEventId, missingEvents, withDb } from './helpers/store-check.ts';
import { recordSummary } from './helpers/summary.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 11);
const RATE = 200;
const SECONDS = Number(process.env.RELIABILITY_STORM_SECONDS ?? 4);

const good: DeviceSeed[] = Array.from({ length: 3 }, (_, i) => ({ id: `good-${i}`, kind: 'sensor', secret: `good-secret-${i}-0123456789` }));
const crowd: DeviceSeed[] = Array.from({ length: 20 }, (_, i) => ({
  id: `crowd-${i}`,
  kind: i % 2 ? 'locker' : 'mirror',
  secret: `crowd-secret-${i}-0123456789`,
}));

type Outcome = 'connected' | 'refused' | 'timeout';
function attempt(url: string, username: string | undefined, password: string | undefined, clientId: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 15_000, clientId, ...(username ? { username } : {}), ...(password ? { password } : {}) });
    let settled = false;
    const done = (o: Outcome) => {
      if (settled) return;
      settled = true;
      c.end(true);
      resolve(o);
    };
    c.once('connect', () => done('connected'));
    c.once('error', () => done('refused'));
    c.once('close', () => done('refused'));
    setTimeout(() => done('timeout'), 20_000).unref();
  });
}

describe('a broker client storm', () => {
  const summary = { attempts: 0, refused: 0, acked: 0, lost: 0 };
  afterAll(() =>
    recordSummary(import.meta.filename, {
      name: `client storm ${RATE} connects/s for ${SECONDS} s, half with wrong secrets, while devices ingest`,
      cases: summary.attempts + summary.acked,
      faults: summary.attempts,
      lost: summary.lost,
      note: `${summary.refused} refusals counted, ${summary.acked} events acked for the good devices while it lasted`,
    }),
  );

  it('keeps ingesting for good devices, refuses and counts every wrong secret, and lets every right one in', async () => {
    const rng = createRng(`${SEED}-storm`);
    const site = await gatewaySite({ devices: [...good, ...crowd] });
    const gw = await site.start();
    try {
      const clients: MqttClient[] = await Promise.all(good.map((d) => connectDevice(site.mqttUrl, { username: d.id, password: d.secret, clientId: d.id })));
      let goodDropped = 0;
      for (const c of clients) c.on('close', () => goodDropped++);
      const failuresBefore = await scrape(site.url, 'storegate_broker_auth_failures_total');

      let storming = true;
      const acked: string[] = [];
      const pumps = clients.map(
        (c, i) =>
          new Promise<void>((resolve) => {
            const d = good[i] as DeviceSeed;
            let n = 0;
            let inflight = 0;
            const pump = () => {
              while (storming && inflight < 4) {
                const msgId = `storm-${n++}`;
                inflight++;
                c.publish(deviceTopicOf(d, 'telemetry'), JSON.stringify({ msgId, type: 'count', values: { n } }), { qos: 1 }, (err) => {
                  inflight--;
                  if (!err) acked.push(ackedEventId(d.id, 'telemetry', msgId));
                  if (!storming && inflight === 0) resolve();
                  else pump();
                });
              }
            };
            pump();
          }),
      );

      const attempts: Array<Promise<{ wrong: boolean; outcome: Outcome }>> = [];
      const total = RATE * SECONDS;
      await new Promise<void>((resolve) => {
        const t0 = performance.now();
        const timer = setInterval(() => {
          // setInterval under load fires late: catch up so the rate is kept on average
          const due = Math.min(total, Math.ceil(((performance.now() - t0) / 1000) * RATE));
          while (attempts.length < due) {
            const i = attempts.length;
            const d = rng.pick(crowd);
            const wrong = i % 2 === 1;
            const [user, pass] = wrong
              ? rng.pick([
                  [d.id, `${d.secret}x`],
                  [d.id, ''],
                  [`nobody-${i}`, 'whatever-secret'],
                  [d.id, 'a'.repeat(rng.int(1, 4000))],
                ])
              : [d.id, d.secret];
            attempts.push(attempt(site.mqttUrl, user, pass, `storm-${i}`).then((outcome) => ({ wrong, outcome })));
          }
          if (attempts.length >= total) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      const outcomes = await Promise.all(attempts);
      const ackedDuringStorm = acked.length;
      storming = false;
      await Promise.all(pumps);

      summary.attempts = outcomes.length;
      const wrong = outcomes.filter((o) => o.wrong);
      const right = outcomes.filter((o) => !o.wrong);
      expect(wrong.filter((o) => o.outcome !== 'refused').length, 'wrong secrets let in or left hanging').toBe(0);
      expect(right.filter((o) => o.outcome !== 'connected').length, 'right secrets refused or left hanging').toBe(0);
      const refusals = (await scrape(site.url, 'storegate_broker_auth_failures_total')) - failuresBefore;
      summary.refused = refusals;
      expect(refusals).toBe(wrong.length);

      expect(goodDropped, 'a good device lost its connection during the storm').toBe(0);
      expect(ackedDuringStorm).toBeGreaterThan(0);
      summary.acked = acked.length;
      const missing = await withDb(site.dbFile, (db) => missingEvents(db, acked));
      summary.lost = missing.length;
      expect(missing).toEqual([]);
      expect(gw.alive()).toBe(true);
      expect((await fetch(`${site.url}/healthz`)).ok).toBe(true);
      await Promise.all(clients.map(endClient));
    } finally {
      await gw.kill('SIGTERM');
      site.remove();
    }
  });
});
