import { describe, expect, it } from 'vitest';
import { addDevice, connectMqtt, deviceTopic, metricValue, nextEvent, publish, STAFF_TOKEN, until } from '../../../helpers/gateway.ts';
import { DEFAULT_ROUTES } from '../../../../gateway/services/outbox/config.ts';
import { cameraJpeg, loadT10kSubset } from '../recognition/fixtures.ts';
import { downlinkRig } from './helpers.ts';

const DAY_MS = 86_400_000;
type Rig = Awaited<ReturnType<typeof downlinkRig>>;
const upstream = async (rig: Rig, type: string) =>
  (await rig.gw.db.all<{ body: string }>('SELECT body FROM outbox_events WHERE type = ? ORDER BY seq', [type])).map(
    (r) => (JSON.parse(r.body) as { data: Record<string, unknown> }).data,
  );

describe('signed config patches applied live, without a restart', () => {
  it("retention days change the retention job's next cut-offs at once; keys that need a restart are named", async () => {
    const rig = await downlinkRig();
    const cutoffs = async () => (await rig.api('POST', '/api/v1/privacy/retention/run')).body.cutoffs as Record<string, string>;
    const days = (iso: string | undefined) => Math.round((rig.clock.now() - Date.parse(iso ?? '')) / DAY_MS);
    expect(days((await cutoffs()).presence)).toBe(30);
    await rig.cloud.configPatch(
      {
        'retention.presenceDays': 14,
        'retention.deviceEventsDays': 7,
        'retention.alertsDays': 30,
        'cloud.forwarders': [{ name: 'cloud-2', kind: 'http', url: 'http://127.0.0.1:9/e' }],
      },
      'dpo@hq',
    );
    await rig.pull();
    const after = await cutoffs();
    expect([days(after.presence), days(after.deviceEvents), days(after.sessions)]).toEqual([14, 7, 90]);
    expect(await upstream(rig, 'downlink.config.applied')).toEqual([
      expect.objectContaining({
        keys: ['cloud.forwarders', 'retention.alertsDays', 'retention.deviceEventsDays', 'retention.presenceDays'],
        restartRequired: ['cloud.forwarders'],
      }),
    ]);
  });

  it('fitting.sizeRequestAlertSeconds: a size request open longer than the patched limit raises its alert', async () => {
    const rig = await downlinkRig({ overrides: { 'fitting.sizeRequestAlertSeconds': 600 } });
    await rig.addMirror();
    await rig.cloud.configPatch({ 'fitting.sizeRequestAlertSeconds': 60 }, 'ops@hq');
    await rig.pull();
    const asked = await rig.api(
      'POST',
      '/api/v1/fitting/mirrors/mirror-1/interactions',
      { type: 'size_request', productId: 'SG-0001', size: 'M' },
      STAFF_TOKEN,
    );
    expect(asked.body).toMatchObject({ type: 'size_request', status: 'open' });
    // the check runs every 30 s (set at start from 600 s); 90 s later the request is past the patched 60 s
    for (let i = 0; i < 3; i++) rig.clock.advance(30_000);
    await rig.gw.work.flush();
    const open = async () => ((await rig.api('GET', '/api/v1/alerts')).body.open as Array<{ key: string }>).map((a) => a.key);
    await until(async () => (await open()).some((k) => k.startsWith('fitting:size-request:')), 5000, 'the late alert');
    expect((await open()).filter((k) => k.startsWith('fitting:size-request:'))).toEqual([`fitting:size-request:${asked.body.id}:late`]);
  });
});

describe('signed config patches that used to need a restart', () => {
  const APP_UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
  // the store app advertising as iBeacon APP_UUID / major 7 / minor 4242, measured power -59
  const appAdv = `4c000215${APP_UUID.replaceAll('-', '')}00071092c5`;

  it('presence.zones: a scanner the patch puts in a new zone places the next shopper it hears there', async () => {
    const rig = await downlinkRig({
      overrides: {
        presence: {
          zones: [{ name: 'entrance', role: 'entrance', scanners: ['sc-ent'] }],
          shopperApp: { ibeaconUuids: [APP_UUID] },
          sessionGraceSeconds: 0,
        },
      },
    });
    const password = await addDevice(rig.gw, 'sc-fit', 'ble-scanner');
    const scanner = await connectMqtt(rig.gw.ports.mqtt, { username: 'sc-fit', password, clientId: 'sc-fit' });
    const hear = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await publish(
          scanner,
          deviceTopic(rig.gw, 'ble-scanner', 'sc-fit', 'adv'),
          JSON.stringify({ rssi: -55, address: '5A:11:22:33:44:55', manufacturerData: appAdv }),
        );
        rig.clock.advance(1000);
      }
    };
    await hear(1);
    expect(await metricValue(rig.gw, 'storegate_presence_rejected_total', { reason: 'unknown_scanner' })).toBe(1);

    await rig.cloud.configPatch(
      {
        'presence.zones': [
          { name: 'entrance', role: 'entrance', scanners: ['sc-ent'] },
          { name: 'fitting-rooms', role: 'fitting-room', scanners: ['sc-fit'] },
        ],
      },
      'store-ops@hq',
    );
    await rig.pull();
    expect(await upstream(rig, 'downlink.config.applied')).toEqual([expect.objectContaining({ keys: ['presence.zones'], restartRequired: [] })]);
    const entered = nextEvent(rig.gw, 'presence.entered');
    await hear(4);
    expect((await entered).data).toMatchObject({ zone: 'fitting-rooms' });
    const presence = await rig.api('GET', '/api/v1/presence', undefined, STAFF_TOKEN);
    expect(presence.body.zones).toEqual([
      { name: 'entrance', role: 'entrance', shoppers: 0 },
      { name: 'fitting-rooms', role: 'fitting-room', shoppers: 1 },
    ]);
    expect(await metricValue(rig.gw, 'storegate_presence_rejected_total', { reason: 'unknown_scanner' })).toBe(1);
  });

  it('fitting.suggestions: the next answer on the mirror has the patched number of suggestions per list', async () => {
    const rig = await downlinkRig({ overrides: { 'fitting.suggestions': 3 } });
    await rig.addMirror();
    const pick = async () =>
      (await rig.api('POST', '/api/v1/fitting/mirrors/mirror-1/interactions', { type: 'pick', productId: 'SG-0001' }, STAFF_TOKEN)).body as {
        suggestions: { goesWith: unknown[]; similar: unknown[] };
      };
    const before = await pick();
    // 3 per list at start (SG-0001 has 2 similar items in the sample catalog)
    expect([before.suggestions.similar.length, before.suggestions.goesWith.length]).toEqual([2, 3]);
    await rig.cloud.configPatch({ 'fitting.suggestions': 1 }, 'merch@hq');
    await rig.pull();
    const after = await pick();
    expect([after.suggestions.similar.length, after.suggestions.goesWith.length]).toEqual([1, 1]);
  });

  it('recognition.unsureThreshold: the same frame is answered unsure once the patch raises the bar above its confidence', async () => {
    const rig = await downlinkRig();
    const t10k = loadT10kSubset();
    const recognise = async (frame: Buffer) => {
      const res = await fetch(`http://127.0.0.1:${rig.gw.ports.http}/api/v1/recognition`, {
        method: 'POST',
        headers: { authorization: `Bearer ${STAFF_TOKEN}`, 'content-type': 'image/jpeg' },
        body: new Uint8Array(frame),
      });
      return (await res.json()) as { label: string; confidence: number; unsure: boolean };
    };
    // a frame the model is sure of, but not certain (confidence below 1 in float32)
    let frame: Buffer | undefined;
    let first: { confidence: number; unsure: boolean } | undefined;
    for (let i = 0; i < 40 && !frame; i++) {
      const f = await cameraJpeg(t10k.images[i]!, i);
      const r = await recognise(f);
      if (!r.unsure && r.confidence < 0.99) [frame, first] = [f, r];
    }
    expect(first?.unsure).toBe(false);
    await rig.cloud.configPatch({ 'recognition.unsureThreshold': 0.995 }, 'models@hq');
    await rig.pull();
    expect(await recognise(frame as Buffer)).toMatchObject({ confidence: first?.confidence, unsure: true });
    expect(await upstream(rig, 'downlink.config.applied')).toEqual([expect.objectContaining({ restartRequired: [] })]);
  });

  it('health.*: a battery the old threshold let pass raises its alert once the patch raises the threshold', async () => {
    const rig = await downlinkRig({ overrides: { 'health.batteryLowPct': 15 } });
    const password = await addDevice(rig.gw, 'lk-9', 'locker');
    const locker = await connectMqtt(rig.gw.ports.mqtt, { username: 'lk-9', password, clientId: 'lk-9' });
    const status = (batteryPct: number) => publish(locker, deviceTopic(rig.gw, 'locker', 'lk-9', 'status'), JSON.stringify({ online: true, batteryPct }));
    const open = async () => ((await rig.api('GET', '/api/v1/alerts')).body.open as Array<{ key: string }>).map((a) => a.key);
    await status(30);
    await rig.gw.work.flush();
    expect(await open()).not.toContain('device:lk-9:battery_low');
    await rig.cloud.configPatch({ 'health.batteryLowPct': 40 }, 'store-it@hq');
    await rig.pull();
    expect(await upstream(rig, 'downlink.config.applied')).toEqual([expect.objectContaining({ keys: ['health.batteryLowPct'], restartRequired: [] })]);
    await status(30);
    await until(async () => (await open()).includes('device:lk-9:battery_low'), 5000, 'the battery alert');
  });

  it('cloud.routes: an event type the patch routes goes to the cloud from then on, with its class', async () => {
    const rig = await downlinkRig();
    await rig.addMirror();
    await addDevice(rig.gw, 'mirror-2', 'mirror', 'fitting-2');
    const pick = (mirror: string) => rig.api('POST', `/api/v1/fitting/mirrors/${mirror}/interactions`, { type: 'pick', productId: 'SG-0001' }, STAFF_TOKEN);
    const opened = async () =>
      (await rig.gw.db.all<{ body: string }>("SELECT body FROM outbox_events WHERE type = 'fitting.session.opened' ORDER BY seq")).map((r) => {
        const e = JSON.parse(r.body) as { priority: string; data: { mirrorId: string } };
        return { mirrorId: e.data.mirrorId, priority: e.priority };
      });
    await pick('mirror-1');
    await rig.gw.work.flush();
    expect(await opened()).toEqual([]);
    const routes = [...DEFAULT_ROUTES, { match: 'fitting.session.opened', priority: 'bulk' }];
    await rig.cloud.configPatch({ 'cloud.routes': routes }, 'data-team@hq');
    await rig.pull();
    expect(await upstream(rig, 'downlink.config.applied')).toEqual([expect.objectContaining({ keys: ['cloud.routes'], restartRequired: [] })]);
    await pick('mirror-2');
    await rig.gw.work.flush();
    expect(await opened()).toEqual([{ mirrorId: 'mirror-2', priority: 'bulk' }]);
  });
});
