import { describe, expect, it } from 'vitest';
import { signReturnQr } from '../../../../devices/locker/return-qr.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { metricValue, nextEvent } from '../../../helpers/gateway.ts';
import { isKeypad, isOpen, lockerRig, RETURN_KEY, staff } from './helpers.ts';

const KEEP_IT = { categories: ['home'], maxValue: 3000, sizes: ['L', 'XL'], maxPerShopper: 1, windowDays: 90 };
const qrFor = (now: number, over: Record<string, unknown>) =>
  signReturnQr(
    {
      rid: 'ret-k1',
      oid: 'web-1',
      item: 'sku-rug-120',
      reason: 'changed_mind',
      size: 'XL',
      cat: 'home',
      val: 2500,
      sid: 'shopper-abc',
      exp: Math.floor(now / 1000) + 3600,
      ...over,
    } as Parameters<typeof signReturnQr>[0],
    { hmacKey: RETURN_KEY },
  );

describe('"keep it" decided offline from the signed QR and the store policy', () => {
  it('tells the shopper to keep a cheap bulky item (no door opens); the second keep-it in the window is a normal drop-off', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.returns': { hmacKey: RETURN_KEY, keepIt: KEEP_IT } } });
    const kept = nextEvent(gw, 'locker.return.kept');
    await sim.scanQr(qrFor(clock.now(), {}));
    await sim.nextCommand(isKeypad('ok'));
    expect(await sim.nextCommand((c) => c.type === 'display')).toMatchObject({ message: expect.stringMatching(/^Keep it/), returnId: 'ret-k1' });
    expect((await kept).data).toEqual({
      returnId: 'ret-k1',
      orderId: 'web-1',
      item: 'sku-rug-120',
      category: 'home',
      reason: 'changed_mind',
      channel: 'locker',
      decision: 'keep it: category home, value 25.00 ≤ 30.00, size XL, 0 of 1 keep-its within 90 days',
    });
    expect(sim.pending().filter((c) => c.type === 'open')).toEqual([]);
    // the same QR again is refused (single use)
    await sim.scanQr(qrFor(clock.now(), {}));
    await sim.nextCommand(isKeypad('wrong'));

    // the fraud guard: this shopper already kept one within 90 days, so the next is taken back
    const dropped = nextEvent(gw, 'locker.return.dropped');
    await sim.scanQr(qrFor(clock.now(), { rid: 'ret-k2' }));
    await sim.nextCommand(isOpen('A5'));
    await sim.close('A5', true);
    expect((await dropped).data).toMatchObject({
      returnId: 'ret-k2',
      category: 'home',
      decision: 'the shopper already kept 1 item(s) within 90 days (limit 1)',
    });
    expect((await staff(gw, 'GET', '/api/v1/lockers/returns/reasons')).body.reasons).toEqual([{ category: 'home', reason: 'changed_mind', count: 2, kept: 1 }]);
    expect(await metricValue(gw, 'storegate_lockers_keep_it_decisions_total', { decision: 'keep', category: 'home' })).toBe(1);
    expect(await metricValue(gw, 'storegate_lockers_keep_it_decisions_total', { decision: 'return', category: 'home' })).toBe(1);
  });

  it('takes back what the policy does not cover, with the reason recorded: too valuable, wrong size class, unknown category', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock, overrides: { 'lockers.returns': { hmacKey: RETURN_KEY, keepIt: KEEP_IT } } });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ rid: 'r-v', val: 9000 }, 'value 90.00 is above the keep-it limit 30.00', 'A5'],
      [{ rid: 'r-s', size: 'S' }, 'size class S is not a keep-it size', 'A2'],
      [{ rid: 'r-c', cat: 'sku-specific-thing-123', size: 'L' }, 'category sku-specific-thing-123 is not a keep-it category', 'A1'],
    ];
    for (const [over, why, room] of cases) {
      const dropped = nextEvent(gw, 'locker.return.dropped');
      await sim.scanQr(qrFor(clock.now(), over));
      await sim.nextCommand(isOpen(room));
      await sim.close(room, true);
      expect((await dropped).data).toMatchObject({ returnId: over.rid, decision: why });
    }
    // an unknown category is a bounded label: `other`, never the raw text
    expect(await metricValue(gw, 'storegate_lockers_return_reasons_total', { category: 'other' })).toBe(1);
    const labels = (await gw.metrics.getSingleMetric('storegate_lockers_return_reasons_total')?.get())?.values.map((v) => v.labels) ?? [];
    expect(JSON.stringify(labels)).not.toContain('sku-');
  });

  it('takes the same QR at the service desk instead of the locker', async () => {
    const clock = createFakeClock();
    const { gw } = await lockerRig({ clock, overrides: { 'lockers.returns': { hmacKey: RETURN_KEY, keepIt: KEEP_IT } } });
    const kept = nextEvent(gw, 'locker.return.kept');
    const res = await staff(gw, 'POST', '/api/v1/lockers/returns/desk', { qr: qrFor(clock.now(), { rid: 'ret-desk' }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ returnId: 'ret-desk', keepIt: true, category: 'home', offer: null });
    expect((await kept).data).toMatchObject({ returnId: 'ret-desk', channel: 'desk' });
    expect(res.body.decision).toMatch(/^keep it/);
    // and not a second time, at the desk or the locker
    const again = await staff(gw, 'POST', '/api/v1/lockers/returns/desk', { qr: qrFor(clock.now(), { rid: 'ret-desk' }) });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/reused/);
    const taken = await staff(gw, 'POST', '/api/v1/lockers/returns/desk', { qr: qrFor(clock.now(), { rid: 'ret-desk-2', val: 99_00 }) });
    expect(taken.body).toMatchObject({ keepIt: false, decision: 'value 99.00 is above the keep-it limit 30.00' });
    const audit = (await staff(gw, 'GET', '/api/v1/lockers/audit')).body.audit as Array<{ action: string; ref: string }>;
    expect(audit.map((a) => `${a.action} ${a.ref}`)).toEqual(['desk:return ret-desk-2', 'desk:keep_it ret-desk']);
  });
});
