import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createLockerSim } from '../../simulators/locker.ts';
import { createRng } from '../../simulators/rng.ts';
import {
  connectDevice,
  type DeviceSeed,
  deviceTopicOf,
  endClient,
  type GatewayProcess,
  gatewaySite,
  STAFF_TOKEN,
  STORE_ID,
} from './helpers/gateway-process.ts';
import { ackedEventId, integrity, lockerDoubleBookings, missingEvents, withDb } from './helpers/store-check.ts';
import { recordSummary } from './helpers/summary.ts';

const KILLS = Number(process.env.RELIABILITY_KILLS ?? 6);
const SEED = Number(process.env.RELIABILITY_SEED ?? 11);
const SENSORS = 5;
const WINDOW = 8;
/** a round ends at its seeded kill point or after this long, whichever comes first */
const ROUND_MS = 15_000;

const sensors: DeviceSeed[] = Array.from({ length: SENSORS }, (_, i) => ({
  id: `sensor-${i}`,
  kind: i % 2 ? 'sensor' : 'mirror',
  secret: `sensor-secret-${i}-abcdefgh`,
}));
const controller: DeviceSeed = { id: 'lk-01', kind: 'locker', secret: 'locker-secret-abcdefgh' };
const compartments = Array.from({ length: 32 }, (_, i) => ({ id: `A${i + 1}`, size: ['S', 'M', 'L'][i % 3] as string }));

/**
 * Devices publish QoS 1 events with unique msgIds while staff load and reclaim parcels; the gateway is
 * SIGKILLed at a seeded point and restarted. Every PUBACK'd event and every 201'd parcel must be in the file.
 */
describe('SIGKILL under load', () => {
  const summary = { rounds: 0, kills: 0, acked: 0, lost: 0, parcels: 0 };
  const acked: string[] = [];
  const ackedParcels: string[] = [];
  afterAll(() => {
    summary.acked = new Set(acked).size;
    summary.parcels = ackedParcels.length;
    recordSummary(import.meta.filename, {
      name: 'SIGKILL under QoS 1 load and locker traffic, restart',
      cases: summary.acked + summary.parcels,
      faults: summary.kills,
      lost: summary.lost,
      note: `${summary.rounds} rounds, ${summary.acked} acked events, ${summary.parcels} acked parcels, seed ${SEED}`,
    });
  });

  it('loses no acknowledged event and no acknowledged parcel, keeps the database intact and never double-books a compartment', async () => {
    const rng = createRng(SEED);
    const site = await gatewaySite({
      devices: [...sensors, controller],
      config: { lockers: { banks: [{ id: 'B1', controllerId: controller.id, compartments }] } },
    });
    let gw: GatewayProcess | undefined;
    try {
      const sim = createLockerSim({
        url: site.mqttUrl,
        storeId: STORE_ID,
        deviceId: controller.id,
        secret: controller.secret,
        compartments: compartments.map((c) => c.id),
        autoCloseMs: 15,
      });
      for (let round = 0; round < KILLS; round++) {
        gw = await site.start();
        summary.rounds++;
        await sim.disconnect();
        await sim.connect();
        const clients: MqttClient[] = await Promise.all(
          sensors.map((d) => connectDevice(site.mqttUrl, { username: d.id, password: d.secret, clientId: `${d.id}-${round}` })),
        );
        const killAfter = rng.int(200, 2500);
        let roundAcks = 0;
        let killing = false;
        const roundEnd = Date.now() + ROUND_MS;
        let resolveKillPoint: () => void = () => {};
        const killPoint = new Promise<void>((r) => (resolveKillPoint = r));
        const ack = () => {
          if (++roundAcks >= killAfter) resolveKillPoint();
        };

        const pumps = clients.map((c, i) => {
          const d = sensors[i] as DeviceSeed;
          let n = 0;
          let inflight = 0;
          return new Promise<void>((done) => {
            const pump = () => {
              while (!killing && inflight < WINDOW && Date.now() < roundEnd) {
                const msgId = `r${round}-${n++}`;
                const channel = n % 10 === 0 ? 'status' : 'telemetry';
                const body = channel === 'status' ? { msgId, online: true, batteryPct: n % 100 } : { msgId, type: 'count', values: { n, round } };
                inflight++;
                c.publish(deviceTopicOf(d, channel), JSON.stringify(body), { qos: 1 }, (err) => {
                  inflight--;
                  if (!err && !killing) {
                    acked.push(ackedEventId(d.id, channel, msgId));
                    ack();
                  }
                  pump();
                });
              }
              if (killing || Date.now() >= roundEnd) {
                resolveKillPoint();
                done();
              }
            };
            c.on('close', () => done());
            pump();
          });
        });

        // staff traffic: loads and reclaims, each 201/200 only after the gateway's commit
        const staff = (async () => {
          let k = 0;
          while (!killing && Date.now() < roundEnd) {
            const reclaim = ackedParcels.length > 0 && rng.chance(0.3);
            const res = await fetch(reclaim ? `${site.url}/api/v1/lockers/parcels/${rng.pick(ackedParcels)}/reclaim` : `${site.url}/api/v1/lockers/parcels`, {
              method: 'POST',
              headers: { authorization: `Bearer ${STAFF_TOKEN}`, 'content-type': 'application/json' },
              body: reclaim ? '{}' : JSON.stringify({ orderId: `o-${round}-${k++}`, size: rng.pick(['S', 'M', 'L']) }),
            }).catch(() => null);
            if (!res) break;
            const body = (await res.json().catch(() => null)) as { parcelId?: string } | null;
            if (!killing && res.status === 201 && body?.parcelId) ackedParcels.push(body.parcelId);
            await new Promise((r) => setTimeout(r, 5));
          }
        })();

        await killPoint;
        // the kill lands while publishes and staff requests are in flight; acks arriving after it do not count
        killing = true;
        const exit = await gw.kill('SIGKILL');
        expect(exit.signal).toBe('SIGKILL');
        summary.kills++;
        await Promise.all(pumps);
        await staff;
        await Promise.all(clients.map(endClient));

        // the file as the next start will find it
        const check = await withDb(site.dbFile, async (db) => ({
          integrity: await integrity(db),
          missing: await missingEvents(db, acked),
          missingParcels: ackedParcels.length
            ? ackedParcels.length -
              ((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM locker_parcels WHERE id IN (${ackedParcels.map(() => '?').join(',')})`, ackedParcels))
                ?.n ?? 0)
            : 0,
          doubleBooked: await lockerDoubleBookings(db),
        }));
        summary.lost = check.missing.length + check.missingParcels;
        expect(check.integrity, `round ${round}`).toBe('ok');
        expect(check.missing.slice(0, 10), `round ${round}: acknowledged events missing after SIGKILL`).toEqual([]);
        expect(check.missingParcels, `round ${round}: acknowledged parcels missing`).toBe(0);
        expect(check.doubleBooked, `round ${round}`).toEqual([]);
      }
      summary.acked = new Set(acked).size;
      summary.parcels = ackedParcels.length;
      expect(summary.acked).toBeGreaterThan(KILLS * 200);

      // one clean start after the last kill: the gateway opens the file and runs
      gw = await site.start();
      expect((await fetch(`${site.url}/healthz`)).ok).toBe(true);
      await sim.disconnect();
      expect((await gw.kill('SIGTERM')).code).toBe(0);

      // the loss check itself: a deliberately dropped acknowledged row is caught
      const victim = rng.pick(acked);
      const caught = await withDb(site.dbFile, async (db) => {
        await db.run('DELETE FROM device_events WHERE id = ?', [victim]);
        return missingEvents(db, acked);
      });
      expect(caught).toEqual([victim]);
    } finally {
      if (gw?.alive()) await gw.kill('SIGKILL');
      site.remove();
    }
  });
});
