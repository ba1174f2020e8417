import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../simulators/rng.ts';
import { registeredChannels } from './helpers/channels.ts';
import {
  connectDevice,
  type DeviceSeed,
  deviceTopicOf,
  endClient,
  type GatewayProcess,
  type GatewaySite,
  gatewaySite,
  scrape,
  STORE_ID,
} from './helpers/gateway-process.ts';
import { mutateBytes, mutateJson, type Mutant } from './helpers/mutate.ts';
import { ackedEventId, missingEvents, withDb } from './helpers/store-check.ts';
import { recordSummary } from './helpers/summary.ts';
import { seedsFor } from './seeds.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 11);
const MQTT_INPUTS = Number(process.env.RELIABILITY_MQTT_INPUTS ?? 12_000);
const _HTTP_INPUTS = Number(process.env.RELIABILITY_HTTP_INPUTS ?? 3_000);
const MAX_PAYLOAD = 262_144;
const WINDOW = 24;

type Target = { device: DeviceSeed; channel: string; seeds: unknown[]; binary: boolean; topic?: string };

let site: GatewaySite;
let gw: GatewayProcess;
let devices: DeviceSeed[] = [];
const targets: Target[] = [];
let channelNames: string[] = [];

beforeAll(async () => {
  const { channels, topicMapped } = await registeredChannels();
  const kinds = [...new Set(['sensor', ...channels.filter((c) => c.kind !== '*').map((c) => c.kind)])];
  devices = kinds.map((kind) => ({ id: `fz-${kind}`, kind, secret: `fuzz-secret-${kind}-0123456789` }));
  channelNames = channels.map((c) => `${c.kind}/${c.channel}`);
  for (const c of channels) {
    for (const device of devices.filter((d) => c.kind === '*' || d.kind === c.kind)) {
      targets.push({ device, channel: c.channel, seeds: seedsFor(c.kind, c.channel, c.schema, c.binary), binary: Boolean(c.binary) });
      // OpenMQTTGateway topics map onto a scanner's `omg` channel
      if (topicMapped && c.channel === 'omg')
        targets.push({ device, channel: c.channel, seeds: seedsFor(c.kind, c.channel), binary: false, topic: `home/${device.id}/BTtoMQTT/AABBCCDDEE02` });
    }
  }
  const locker = devices.find((d) => d.kind === 'locker');
  site = await gatewaySite({
    devices,
    config: locker
      ? { lockers: { banks: [{ id: 'FZ', controllerId: locker.id, compartments: Array.from({ length: 8 }, (_, i) => ({ id: `A${i + 1}`, size: 'M' })) }] } }
      : {},
  });
  gw = await site.start();
}, 90_000);

afterAll(async () => {
  if (gw?.alive()) await gw.kill('SIGTERM');
  site?.remove();
});

/** A publish that must reach ingest: resolves true on PUBACK, false if the connection dropped first. */
function publishAcked(c: MqttClient, topic: string, payload: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (!c.connected) return resolve(false);
    const onClose = () => resolve(false);
    c.once('close', onClose);
    c.publish(topic, payload, { qos: 1 }, (err) => {
      c.removeListener('close', onClose);
      resolve(!err);
    });
  });
}

describe('fuzzing every ingest path of a running gateway', () => {
  it('answers or counts every mutated MQTT message on every registered channel and stays up', async () => {
    const rng = createRng(`${SEED}-mqtt`);
    const clients = new Map<string, MqttClient>();
    const connect = async (d: DeviceSeed) => {
      const c = await connectDevice(site.mqttUrl, { username: d.id, password: d.secret, clientId: `${d.id}-${Math.random().toString(16).slice(2, 8)}` });
      c.setMaxListeners(WINDOW * 4);
      clients.set(d.id, c);
      return c;
    };
    for (const d of devices) await connect(d);
    const ingestedBefore = (await scrape(site.url, 'storegate_ingest_messages_total')) + (await scrape(site.url, 'storegate_ingest_rejected_total'));
    const deniedBefore = await scrape(site.url, 'storegate_broker_acl_denied_total', { action: 'publish' });

    let toIngest = 0;
    let acked = 0;
    let aclSends = 0;
    let aclClosed = 0;
    const dropped: string[] = [];
    const recent: string[] = [];
    const kinds = [...new Set(devices.map((d) => d.kind))];

    const wrongTopic = (r: Rng, d: DeviceSeed) => {
      const other = r.pick(devices.filter((x) => x.id !== d.id));
      return r.pick([
        deviceTopicOf(other, 'status'),
        deviceTopicOf(d, 'cmd'),
        `storegate/other-store/${d.kind}/${d.id}/status`,
        `storegate/${STORE_ID}/${r.pick(kinds.filter((k) => k !== d.kind))}/${d.id}/status`,
        `storegate/${STORE_ID}/${d.kind}/${d.id}/status/extra`,
        `$SYS/broker/${d.id}`,
        `home/${other.id}/BTtoMQTT/AABBCCDDEEFF`,
        `unrelated/${'x'.repeat(r.int(1, 300))}`,
        `storegate/${STORE_ID}/${d.kind}/${d.id}`,
      ]);
    };

    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < MQTT_INPUTS; i++) {
      const t = rng.pick(targets);
      const seed = rng.pick(t.seeds);
      const m: Mutant = t.binary
        ? mutateBytes(rng, seed as Buffer)
        : mutateJson(rng, typeof seed === 'object' && seed && !Array.isArray(seed) ? { msgId: `fz-${i}`, ...seed } : seed, { maxBytes: MAX_PAYLOAD });
      const roll = rng.next();
      if (roll < 0.02) {
        // someone else's topic: refused by the ACL, which drops the connection (counted, never ingested)
        const topic = wrongTopic(rng, t.device);
        aclSends++;
        const c = await connectDevice(site.mqttUrl, { username: t.device.id, password: t.device.secret, clientId: `${t.device.id}-acl-${i}` });
        const closed = new Promise<void>((r) => c.once('close', () => r()));
        c.publish(topic, m.bytes, { qos: 1 }, () => {});
        await closed;
        aclClosed++;
        await endClient(c);
        continue;
      }
      const topic =
        roll < 0.05
          ? deviceTopicOf(t.device, rng.pick(['unknown', 'STATUS', 'status ', '💥', 'a'.repeat(rng.int(1, 200)), 'frame', 'adv', 'event']))
          : (t.topic ?? deviceTopicOf(t.device, t.channel));
      toIngest++;
      const label = `#${i} ${topic} ${m.how}`;
      recent.push(label);
      if (recent.length > 50) recent.shift();
      let c = clients.get(t.device.id);
      if (!c?.connected) c = await connect(t.device);
      const p = publishAcked(c, topic, m.bytes).then((ok) => {
        inflight.delete(p);
        if (ok) acked++;
        else dropped.push(label);
      });
      inflight.add(p);
      if (inflight.size >= WINDOW) await Promise.race(inflight);
      if (!gw.alive()) break;
    }
    await Promise.all(inflight);

    expect(gw.alive(), `gateway died; last inputs:\n${recent.join('\n')}\n${gw.output()}`).toBe(true);
    expect(dropped.slice(0, 10), 'a device was disconnected for a message on its own topic').toEqual([]);
    expect(acked).toBe(toIngest);
    const ingestedAfter = (await scrape(site.url, 'storegate_ingest_messages_total')) + (await scrape(site.url, 'storegate_ingest_rejected_total'));
    const deniedAfter = await scrape(site.url, 'storegate_broker_acl_denied_total', { action: 'publish' });
    // every acknowledged message was either accepted or rejected with a reason, exactly once
    expect(ingestedAfter - ingestedBefore).toBe(acked);
    expect(deniedAfter - deniedBefore).toBe(aclSends);
    expect(aclClosed).toBe(aclSends);

    // and each device's next good message is still accepted and stored
    const good: string[] = [];
    for (const d of devices) {
      const c = clients.get(d.id)?.connected ? (clients.get(d.id) as MqttClient) : await connect(d);
      const msgId = `after-fuzz-${d.id}`;
      expect(await publishAcked(c, deviceTopicOf(d, 'status'), Buffer.from(JSON.stringify({ msgId, online: true })))).toBe(true);
      good.push(ackedEventId(d.id, 'status', msgId));
    }
    expect((await fetch(`${site.url}/healthz`)).ok).toBe(true);
    await Promise.all([...clients.values()].map(endClient));
    // the gateway keeps the file open; SQLite readers see committed rows
    expect(await withDb(site.dbFile, (db) => missingEvents(db, good))).toEqual([]);

    recordSummary(import.meta.filename, {
      name: 'fuzz MQTT payloads and topics, every registered channel',
      cases: toIngest + aclSends,
      faults: 0,
      lost: 0,
      crashes: gw.alive() ? 0 : 1,
      note: `${toIngest} to ingest (all acked + counted), ${aclSends} ACL-refused topics; channels: ${channelNames.join(' ')}`,
    });
  });
});
