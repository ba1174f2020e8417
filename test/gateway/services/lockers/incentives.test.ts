import { describe, expect, it } from 'vitest';
import { signReturnQr } from '../../../../devices/locker/return-qr.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { ADMIN_TOKEN, metricValue, nextEvent } from '../../../helpers/gateway.ts';
import { freePort } from '../../../helpers/mosquitto.ts';
import { isKeypad, isOpen, lockerRig, RETURN_KEY, staff } from './helpers.ts';

const POS_TOKEN = 'test-pos-token-0123456789';
const INCENTIVES = {
  offers: { swap10: 'Swap it for another size: 10% off', ship_free: 'Free shipping on your next order' },
  rules: [
    { id: 'size-swap', when: { reasons: ['wrong_size'] }, offer: 'swap10' },
    { id: 'loyal-returner', when: { minPriorReturns: 1 }, offer: 'ship_free' },
  ],
};
const qr = (now: number, rid: string, reason: string, sid = 'shopper-9') =>
  signReturnQr(
    { rid, oid: `web-${rid}`, item: 'sku-tee-m', reason, size: 'S', cat: 'tops', val: 1999, sid, exp: Math.floor(now / 1000) + 3600 },
    { hmacKey: RETURN_KEY },
  );

async function dropReturn(rig: Awaited<ReturnType<typeof lockerRig>>, rid: string, reason: string, now: number) {
  const { sim } = rig;
  await sim.scanQr(qr(now, rid, reason));
  const open = await sim.nextCommand((c) => c.type === 'open');
  const display = await sim.nextCommand((c) => c.type === 'display');
  if (open.type === 'open') await sim.close(open.compartment, true);
  return display.type === 'display' ? display : null;
}

describe('incentives at return: an explainable rule set, and the outcome tracked to redemption', () => {
  it('picks the offer by rule, the shopper accepts it on the keypad, the POS later redeems it; all of it forwarded and counted per offer', async () => {
    const clock = createFakeClock();
    const dead = await freePort();
    const rig = await lockerRig({
      clock,
      overrides: {
        'lockers.returns': { hmacKey: RETURN_KEY, categories: ['tops'], incentives: INCENTIVES },
        'lockers.posToken': POS_TOKEN,
        'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${dead}/e` }],
      },
    });
    const { gw, sim } = rig;
    const shown = nextEvent(gw, 'locker.incentive.shown');
    const display = await dropReturn(rig, 'r1', 'wrong_size', clock.now());
    expect(display).toMatchObject({ message: 'Swap it for another size: 10% off', returnId: 'r1' });
    const offerId = display?.offerId as string;
    expect((await shown).data).toMatchObject({ offerId, returnId: 'r1', offer: 'swap10', rule: 'size-swap', status: 'shown' });

    const accepted = nextEvent(gw, 'locker.incentive.accepted');
    await sim.answerOffer(offerId, 'accept');
    await sim.nextCommand(isKeypad('ok'));
    expect((await accepted).data).toMatchObject({ offerId, offer: 'swap10', rule: 'size-swap', status: 'accepted' });

    // the POS reports the redemption with its own token; the staff token may not, nor a made-up offer
    const pos = (body: unknown, token = POS_TOKEN) => staff(gw, 'POST', '/api/v1/lockers/incentives/redeemed', body, token);
    expect((await pos({ offerId }, 'test-staff-token-0123456789')).status).toBe(403);
    expect((await pos({ offerId }, 'nope-nope-nope')).status).toBe(401);
    expect((await pos({ offerId: 'no-such-offer' })).status).toBe(404);
    const redeemed = nextEvent(gw, 'locker.incentive.redeemed');
    clock.advance(10 * 60_000);
    const res = await pos({ offerId });
    expect(res).toMatchObject({ status: 200, body: { offerId, status: 'redeemed', redeemedVia: 'pos', already: false } });
    const e = await redeemed;
    expect(e.data).toMatchObject({ offerId, offer: 'swap10', status: 'redeemed', channel: 'pos', at: new Date(clock.now()).toISOString() });
    // the cloud-bound copy is in the outbox
    const rows = await gw.db.all<{ type: string }>("SELECT type FROM outbox_events WHERE type LIKE '%locker.incentive.%' ORDER BY seq");
    expect(rows.map((r) => r.type.replace('storegate.', ''))).toEqual(['locker.incentive.shown', 'locker.incentive.accepted', 'locker.incentive.redeemed']);
    // again: nothing changes
    expect((await pos({ offerId })).body).toMatchObject({ already: true });

    // a second return by the same shopper: the history rule picks free shipping; the cloud reports it redeemed online
    const second = await dropReturn(rig, 'r2', 'damaged', clock.now());
    expect(second).toMatchObject({ message: 'Free shipping on your next order' });
    const viaCloud = nextEvent(gw, 'locker.incentive.redeemed', (x) => (x.data as { offerId: string }).offerId === second?.offerId);
    gw.bus.emit(
      gw.bus.make('incentive.redeemed', 'storegate/store-1/cloud/downlink', {
        offerId: second?.offerId as string,
        redeemedAt: '2026-01-05T10:00:00.000Z',
        channel: 'web',
      }),
    );
    expect((await viaCloud).data).toMatchObject({ offer: 'ship_free', rule: 'loyal-returner', channel: 'web', at: '2026-01-05T10:00:00.000Z' });
    // a first-time returner with a reason no rule covers: no offer, the door opens all the same
    await sim.scanQr(qr(clock.now(), 'r3', 'late', 'shopper-new'));
    await sim.nextCommand(isOpen('A3'));
    expect(sim.pending().filter((c) => c.type === 'display')).toEqual([]);

    const conv = (await staff(gw, 'GET', '/api/v1/lockers/incentives/conversion', undefined, ADMIN_TOKEN)).body.offers;
    expect(conv).toEqual([
      { offer: 'ship_free', text: 'Free shipping on your next order', shown: 1, accepted: 0, declined: 0, redeemed: 1, acceptedRate: 0, redeemedRate: 1 },
      { offer: 'swap10', text: 'Swap it for another size: 10% off', shown: 1, accepted: 1, declined: 0, redeemed: 1, acceptedRate: 1, redeemedRate: 1 },
    ]);
    expect(await metricValue(gw, 'storegate_lockers_incentives_total', { offer: 'swap10', outcome: 'redeemed' })).toBe(1);
    expect(await metricValue(gw, 'storegate_lockers_incentives_total', { offer: 'ship_free', outcome: 'shown' })).toBe(1);
  });

  it('a declined offer cannot be redeemed', async () => {
    const clock = createFakeClock();
    const rig = await lockerRig({ clock, overrides: { 'lockers.returns': { hmacKey: RETURN_KEY, incentives: INCENTIVES }, 'lockers.posToken': POS_TOKEN } });
    const display = await dropReturn(rig, 'r9', 'wrong_size', clock.now());
    await rig.sim.answerOffer(display?.offerId as string, 'decline');
    await rig.sim.nextCommand(isKeypad('ok'));
    expect((await staff(rig.gw, 'POST', '/api/v1/lockers/incentives/redeemed', { offerId: display?.offerId }, POS_TOKEN)).status).toBe(409);
  });
});
