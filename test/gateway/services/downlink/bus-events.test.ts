import { describe, expect, it } from 'vitest';
import { nextEvent } from '../../../helpers/gateway.ts';
import { downlinkRig } from './helpers.ts';

describe('downlink messages that other capabilities act on become bus events, after the envelope check', () => {
  it('model.announced, model.promote / rollback commands, incentive.redeemed and a locker reclaim request', async () => {
    const rig = await downlinkRig();
    const model = { version: '2026.12.1', url: 'https://models.example/p.onnx', sha256: 'a'.repeat(64), signature: 'c2ln', labels: ['T-shirt/top'] };
    const waits = [
      nextEvent(rig.gw, 'model.announced'),
      nextEvent(rig.gw, 'model.promote.requested'),
      nextEvent(rig.gw, 'model.rollback.requested'),
      nextEvent(rig.gw, 'incentive.redeemed'),
      nextEvent(rig.gw, 'locker.reclaim.requested'),
    ];
    await rig.cloud.modelAnnounced(model);
    await rig.cloud.command('model.promote', { version: '2026.12.1', sha256: 'b'.repeat(64), reason: 'agreement 0.97' }, 'ml@hq');
    await rig.cloud.command('model.rollback', { version: '2026.11.3' }, 'ml@hq');
    await rig.cloud.incentiveRedeemed('offer-77');
    await rig.cloud.command('locker.reclaim', { parcelId: 'parcel-1' }, 'support@hq');
    await rig.pull();
    const [announced, promote, rollback, incentive, reclaim] = await Promise.all(waits);
    expect(announced?.data).toEqual(model);
    // recognition's contract: who asked, and which shadow (by its hash)
    expect(promote?.data).toEqual({ by: 'ml@hq', sha256: 'b'.repeat(64) });
    expect(rollback?.data).toEqual({ by: 'ml@hq' });
    expect(incentive?.data).toEqual({ offerId: 'offer-77', redeemedAt: expect.any(String), channel: 'cloud' });
    expect(reclaim?.data).toMatchObject({ parcelId: 'parcel-1', requestedBy: 'support@hq', keyId: 'hq-1' });
    // the lockers tried the staff reclaim path and reported the outcome upstream (no such parcel here)
    await rig.gw.work.flush();
    const { until } = await import('../../../helpers/gateway.ts');
    const done = await until(
      async () => {
        const rows = await rig.gw.db.all<{ body: string }>("SELECT body FROM outbox_events WHERE type = 'downlink.command.completed'");
        const all = rows.map((r) => (JSON.parse(r.body) as { data: Record<string, unknown> }).data);
        return all.find((d) => d.command === 'locker.reclaim' && d.outcome === 'failed');
      },
      5000,
      'reclaim outcome',
    );
    expect(done).toMatchObject({ requestedBy: 'support@hq', detail: expect.stringContaining('parcel-1') });
  });
});
