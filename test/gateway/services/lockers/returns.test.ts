import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signReturnQr } from '../../../../devices/locker/return-qr.ts';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { metricValue, nextEvent } from '../../../helpers/gateway.ts';
import { compartment, isKeypad, isOpen, lockerRig, RETURN_KEY, staff } from './helpers.ts';

const payload = (now: number, over: Record<string, unknown> = {}) => ({
  rid: 'ret-1',
  oid: 'order-3001',
  item: 'sku-jeans-32',
  reason: 'wrong_size',
  size: 'M',
  exp: Math.floor(now / 1000) + 3600,
  ...over,
});

/** Flip one character of the QR (in the payload part) to another valid base64url character. */
function tamper(qr: string, at: number) {
  const ch = qr[at] === 'A' ? 'B' : 'A';
  return qr.slice(0, at) + ch + qr.slice(at + 1);
}

describe('locker returns drop-off with a signed QR', () => {
  it('opens a compartment of the right size for a valid QR, records the drop-off with its reason and the incentive shown', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock });
    const qr = signReturnQr(payload(clock.now()), { hmacKey: RETURN_KEY });
    const dropped = nextEvent(gw, 'locker.return.dropped');
    await sim.scanQr(qr);
    await sim.nextCommand(isOpen('A3'));
    expect(await sim.nextCommand((c) => c.type === 'display')).toMatchObject({ message: 'Swap it for another size: 10% off' });
    await sim.close('A3', true);
    expect((await dropped).data).toEqual({
      returnId: 'ret-1',
      orderId: 'order-3001',
      item: 'sku-jeans-32',
      category: 'uncategorised',
      reason: 'wrong_size',
      compartmentId: 'A3',
      channel: 'locker',
      decision: 'no keep-it policy in this store',
      incentive: 'Swap it for another size: 10% off',
      incentiveShown: true,
    });
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'returned' });
    expect((await staff(gw, 'GET', '/api/v1/lockers/returns/reasons')).body.reasons).toEqual([
      { category: 'uncategorised', reason: 'wrong_size', count: 1, kept: 0 },
    ]);
    // bounded labels: the category, never the item
    expect(await metricValue(gw, 'storegate_lockers_return_reasons_total', { category: 'uncategorised', reason: 'wrong_size', channel: 'locker' })).toBe(1);

    // staff collects: the door opens, closes empty, the compartment is free again
    const collected = nextEvent(gw, 'locker.return.collected');
    expect((await staff(gw, 'POST', '/api/v1/lockers/compartments/A3/open')).status).toBe(200);
    await sim.nextCommand(isOpen('A3'));
    await sim.close('A3', false);
    expect((await collected).data).toEqual({ returnIds: ['ret-1'], compartmentId: 'A3' });
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'free' });
  });

  it('refuses a QR with one changed byte, an expired QR and a reused QR: none opens a door', async () => {
    const clock = createFakeClock();
    const { gw, sim } = await lockerRig({ clock });
    const good = signReturnQr(payload(clock.now()), { hmacKey: RETURN_KEY });
    // one changed character in the payload, in the signature, and a QR signed with another key
    const dot = good.lastIndexOf('.');
    for (const bad of [tamper(good, 20), tamper(good, dot + 5), signReturnQr(payload(clock.now()), { hmacKey: 'some-other-key-123' })]) {
      await sim.scanQr(bad);
      await sim.nextCommand(isKeypad('wrong'));
    }
    const expired = signReturnQr(payload(clock.now(), { rid: 'ret-old', exp: Math.floor(clock.now() / 1000) - 1 }), { hmacKey: RETURN_KEY });
    await sim.scanQr(expired);
    await sim.nextCommand(isKeypad('expired'));

    // the good one works once…
    await sim.scanQr(good);
    await sim.nextCommand(isOpen('A3'));
    const dropped = nextEvent(gw, 'locker.return.dropped');
    await sim.close('A3', true);
    await dropped;
    // …and never again
    await sim.scanQr(good);
    await sim.nextCommand(isKeypad('wrong'));
    expect(sim.pending().filter((c) => c.type === 'open')).toEqual([]);
    expect(await metricValue(gw, 'storegate_lockers_keypad_refused_total', { reason: 'return_qr_bad_signature' })).toBe(3);
    expect(await metricValue(gw, 'storegate_lockers_keypad_refused_total', { reason: 'return_qr_expired' })).toBe(1);
    expect(await metricValue(gw, 'storegate_lockers_keypad_refused_total', { reason: 'return_qr_reused' })).toBe(1);
  });

  it('verifies Ed25519-signed QRs with only the public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const priv = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const { sim } = await lockerRig({ overrides: { 'lockers.returns': { ed25519PublicKey: pub } } });
    await sim.scanQr(signReturnQr(payload(Date.UTC(2099, 0, 1), { size: 'S' }), { ed25519PrivateKey: priv }));
    await sim.nextCommand(isOpen('A2'));
    // an HMAC QR is refused when the gateway holds no HMAC key (no algorithm confusion)
    await sim.scanQr(signReturnQr(payload(Date.now(), { rid: 'ret-2' }), { hmacKey: RETURN_KEY }));
    await sim.nextCommand(isKeypad('wrong'));
  });
});
