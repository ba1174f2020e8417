import { describe, expect, it } from 'vitest';
import { signEnvelope } from '../../../../devices/downlink.ts';
import { newSigningKey } from '../../../../simulators/cloud.ts';
import { addDevice, metricValue, startGateway } from '../../../helpers/gateway.ts';
import { downlinkRig } from './helpers.ts';

type Rig = Awaited<ReturnType<typeof downlinkRig>>;
const refused = (rig: Rig, reason: string) => metricValue(rig.gw, 'storegate_downlink_refused_total', { reason });
const deviceEnabled = async (rig: Rig, id: string) => (await rig.gw.registry.get(id))?.enabled;
const upstream = async (rig: Rig, type: string) =>
  (await rig.gw.db.all<{ body: string }>('SELECT body FROM outbox_events WHERE type = ? ORDER BY seq', [type])).map(
    (r) => (JSON.parse(r.body) as { data: Record<string, unknown> }).data,
  );
const warnings = (rig: Rig, reason: string) => rig.gw.logs.parsed().filter((l) => l.msg === 'downlink message refused' && l.reason === reason);

describe('downlink trust: nothing acts without a valid signature from a pinned key', () => {
  it('refuses a tampered message, an unknown key and a key used beyond its purpose; the position does not move for a forgery', async () => {
    const rig = await downlinkRig({ purposes: ['stock', 'config'] });
    await addDevice(rig.gw, 'lk-01', 'locker');
    const genuine = JSON.parse(await rig.cloud.stock([{ sku: 'SG-0002', size: 'S', reason: 'sale', quantity: 1 }])) as {
      keyid: string;
      signature: string;
      event: string;
    };
    // the same signature over a changed body (a sale of 8 instead of 1)
    const tampered = JSON.stringify({ ...genuine, event: genuine.event.replace('"quantity":1', '"quantity":8') });
    const stranger = newSigningKey();
    const unknownKey = signEnvelope(JSON.parse(genuine.event), 'hq-2', stranger.privateKey);
    // signed by the pinned key, but the key may sign stock and config only
    const revoke = rig.cloud.make(
      'commands',
      'command.device.revoke',
      { deviceId: 'lk-01' },
      { nonce: 'n-0000000001', expiresat: new Date(rig.clock.now() + 60_000).toISOString(), requestedby: 'ops@hq' },
    );
    rig.setFeed([tampered, unknownKey, revoke.signed, JSON.stringify('not json'), '{"keyid":"hq-1"}']);
    await rig.pull();
    expect(await refused(rig, 'bad_signature')).toBe(1);
    expect(await refused(rig, 'unknown_key')).toBe(1);
    expect(await refused(rig, 'wrong_purpose')).toBe(1);
    expect(await refused(rig, 'not_json')).toBe(1);
    expect(await refused(rig, 'bad_envelope')).toBe(1);
    expect(await rig.position('stock')).toBe(0);
    expect(await rig.stockOf('SG-0002')).toMatchObject({ S: 8 });
    expect(await deviceEnabled(rig, 'lk-01')).toBe(true);
    for (const reason of ['bad_signature', 'unknown_key', 'wrong_purpose']) expect(warnings(rig, reason)).toHaveLength(1);
    // only the signed-but-refused one is reported upstream (forgeries are not the cloud's to hear about)
    expect(await upstream(rig, 'downlink.refused')).toEqual([expect.objectContaining({ reason: 'wrong_purpose', id: revoke.event.id })]);

    // the genuine message still applies
    rig.setFeed([JSON.stringify(genuine)]);
    await rig.pull();
    expect(await rig.stockOf('SG-0002')).toMatchObject({ S: 7 });
  });

  it('runs a signed command once, audited with who asked; refuses a replayed nonce, an expired command and a schema-invalid one', async () => {
    const rig = await downlinkRig();
    await addDevice(rig.gw, 'lk-01', 'locker');
    await addDevice(rig.gw, 'lk-02', 'locker');
    await addDevice(rig.gw, 'lk-03', 'locker');
    const expires = new Date(rig.clock.now() + 60_000).toISOString();
    const first = rig.cloud.make(
      'commands',
      'command.device.revoke',
      { deviceId: 'lk-01' },
      { nonce: 'nonce-aaaaaaaa', expiresat: expires, requestedby: 'ops@hq' },
    );
    // a new sequence, the same nonce: a captured command sent again
    const replay = rig.cloud.make(
      'commands',
      'command.device.revoke',
      { deviceId: 'lk-02' },
      { nonce: 'nonce-aaaaaaaa', expiresat: expires, requestedby: 'ops@hq' },
    );
    const expired = rig.cloud.make(
      'commands',
      'command.device.revoke',
      { deviceId: 'lk-02' },
      { nonce: 'nonce-bbbbbbbb', expiresat: new Date(rig.clock.now() - 1).toISOString(), requestedby: 'ops@hq' },
    );
    const invalid = rig.cloud.make(
      'commands',
      'command.device.revoke',
      { device: 'lk-03' },
      { nonce: 'nonce-cccccccc', expiresat: expires, requestedby: 'ops@hq' },
    );
    const noNonce = rig.cloud.make('commands', 'command.device.revoke', { deviceId: 'lk-03' }, { expiresat: expires, requestedby: 'ops@hq' });
    rig.setFeed([first.signed, replay.signed, expired.signed, invalid.signed, noNonce.signed]);
    await rig.pull();
    expect(await deviceEnabled(rig, 'lk-01')).toBe(false);
    expect(await deviceEnabled(rig, 'lk-02')).toBe(true);
    expect(await deviceEnabled(rig, 'lk-03')).toBe(true);
    for (const reason of ['replay', 'expired', 'schema', 'missing_nonce']) expect(await refused(rig, reason), reason).toBe(1);
    // each was the cloud's own message: consumed (the position moves) and reported
    expect(await rig.position('commands')).toBe(5);
    expect((await upstream(rig, 'downlink.refused')).map((d) => d.reason)).toEqual(['replay', 'expired', 'schema', 'missing_nonce']);
    expect(await upstream(rig, 'downlink.command.completed')).toEqual([
      expect.objectContaining({ command: 'device.revoke', requestedBy: 'ops@hq', keyId: 'hq-1', outcome: 'done' }),
    ]);
    const audit = (await rig.api('GET', '/api/v1/downlink/audit')).body.items as Array<Record<string, unknown>>;
    expect(audit.map((a) => [a.id, a.requestedBy, a.outcome])).toEqual([
      [noNonce.event.id, 'ops@hq', 'refused:missing_nonce'],
      [invalid.event.id, 'ops@hq', 'refused:schema'],
      [expired.event.id, 'ops@hq', 'refused:expired'],
      [replay.event.id, 'ops@hq', 'refused:replay'],
      [first.event.id, 'ops@hq', 'applied'],
    ]);
  });

  it('applies a valid config patch (validated by the config schema) and refuses an invalid one whole, with its errors upstream', async () => {
    const rig = await downlinkRig();
    await rig.cloud.configPatch({ 'downlink.staleAfterSeconds': 60, 'retention.alertsDays': 14 }, 'it@hq');
    await rig.cloud.configPatch({ 'retention.presenceDays': -1, 'downlink.staleAfterSeconds': 5 }, 'it@hq');
    await rig.cloud.configPatch({ 'http.adminToken': 'x'.repeat(30) }, 'mallory@hq');
    await rig.pull();
    expect(await rig.position('config')).toBe(3);
    const patches = await rig.gw.db.all<{ patch: string; requested_by: string }>('SELECT patch, requested_by FROM downlink_config_patches');
    expect(patches.map((p) => [JSON.parse(p.patch), p.requested_by])).toEqual([[{ 'downlink.staleAfterSeconds': 60, 'retention.alertsDays': 14 }, 'it@hq']]);
    expect(await upstream(rig, 'downlink.config.applied')).toEqual([
      expect.objectContaining({ keys: ['downlink.staleAfterSeconds', 'retention.alertsDays'], restartRequired: [] }),
    ]);
    const refusals = await upstream(rig, 'downlink.refused');
    expect(refusals.map((r) => r.reason)).toEqual(['patch_invalid', 'patch_invalid']);
    expect(refusals[0]?.errors).toEqual([expect.stringContaining('retention.presenceDays')]);
    expect(refusals[1]?.errors).toEqual([expect.stringContaining('http.adminToken: not a key the cloud may change')]);
    // live: the stale age is now 60 s (the refused 5 s did not apply)
    for (let i = 0; i < 7; i++) await rig.pull();
    expect((await rig.status()).stock.stale).toBe(false);
    await rig.server.close();
    for (let i = 0; i < 7; i++) rig.clock.advance(10_000);
    expect((await rig.status()).stock.stale).toBe(true);

    // the keys that needed a restart take effect at the next start, on top of the file's config
    expect(rig.gw.config.retention.alertsDays).toBe(90);
    const { dataDir } = rig.gw;
    const keys = rig.gw.config.downlink.keys;
    await rig.gw.stopGateway();
    const again = await startGateway({ dataDir, overrides: { 'downlink.keys': keys } });
    expect(again.config.retention.alertsDays).toBe(14);
    expect(again.config.downlink.staleAfterSeconds).toBe(60);
    expect(again.config.retention.presenceDays).toBe(30);
  });
});
