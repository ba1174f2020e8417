import { generateKeyPairSync } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { codeFromPickupQr, derivePickupCode, pickupQr } from '../../../devices/locker/codes.ts';
import { KeypadMessage, LockerEventMessage, StateReportMessage } from '../../../devices/locker/messages.ts';
import { signReturnQr, verifyReturnQr } from '../../../devices/locker/return-qr.ts';
import { lockerTopic } from '../../../devices/locker/topics.ts';

const NOW = Date.UTC(2026, 0, 1);
const P = { rid: 'r-1', oid: 'o-1', item: 'sku-1', reason: 'damaged', exp: NOW / 1000 + 600 };

describe('pickup codes', () => {
  it('derives the same 6-digit code on the gateway and in the cloud from key, order id and nonce (golden vector)', () => {
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1')).toBe(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1'));
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1')).toMatch(/^[0-9]{6}$/);
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1')).toBe('586410'); // computed independently with Python's hmac;
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-2')).not.toBe(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1'));
  });

  it('reads the pickup QR format and nothing else', () => {
    expect(codeFromPickupQr(pickupQr('012345'))).toBe('012345');
    for (const bad of ['SGP1.12345', 'SGP1.1234567', 'SGP2.123456', '123456', 'SGP1.12345a']) expect(codeFromPickupQr(bad)).toBeNull();
  });
});

describe('return QR', () => {
  it('round-trips with HMAC and with Ed25519', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = (k: typeof publicKey, type: 'spki' | 'pkcs8', skip: number) => k.export({ format: 'der', type }).subarray(skip).toString('base64');
    expect(verifyReturnQr(signReturnQr(P, { hmacKey: 'h' }), { hmacKey: 'h' }, NOW)).toEqual({ ok: true, payload: P });
    const ed = signReturnQr(P, { ed25519PrivateKey: raw(privateKey, 'pkcs8', 16) });
    expect(ed.startsWith('SGR1.ed25519.')).toBe(true);
    expect(verifyReturnQr(ed, { ed25519PublicKey: raw(publicKey, 'spki', 12) }, NOW)).toEqual({ ok: true, payload: P });
  });

  it('refuses every single-character change anywhere in the QR', () => {
    const qr = signReturnQr(P, { hmacKey: 'h' });
    for (let i = 0; i < qr.length; i++) {
      const ch = qr[i] === 'x' ? 'y' : 'x';
      const r = verifyReturnQr(qr.slice(0, i) + ch + qr.slice(i + 1), { hmacKey: 'h' }, NOW);
      expect(r.ok, `changed position ${i}`).toBe(false);
    }
  });

  it.each([
    ['expired', signReturnQr({ ...P, exp: NOW / 1000 }, { hmacKey: 'h' }), 'expired'],
    ['wrong key', signReturnQr(P, { hmacKey: 'other' }), 'bad_signature'],
    ['not a return QR', 'SGP1.123456', 'malformed'],
    ['too few parts', 'SGR1.hs256.abc', 'malformed'],
    ['unknown algorithm', 'SGR1.none.eyJ9.', 'malformed'],
    ['alg none with an empty signature', 'SGR1.none.eyJyaWQiOiJyIn0.AA', 'unsupported_alg'],
    ['signed garbage payload', signReturnQr({ nope: 1 } as never, { hmacKey: 'h' }), 'malformed'],
  ])('refuses %s', (_name, qr, reason) => {
    expect(verifyReturnQr(qr, { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason });
  });
});

describe('locker wire schemas', () => {
  const ev = Compile(LockerEventMessage);
  const kp = Compile(KeypadMessage);
  const st = Compile(StateReportMessage);
  it('accepts the documented messages', () => {
    expect(ev.Check({ type: 'door', compartment: 'A1', door: 'closed', occupied: true })).toBe(true);
    expect(ev.Check({ type: 'occupancy', compartment: 'A1', occupied: false })).toBe(true);
    expect(ev.Check({ type: 'fault', fault: 'power_loss' })).toBe(true);
    expect(kp.Check({ code: '123456' })).toBe(true);
    expect(kp.Check({ qr: 'SGR1.hs256.a.b' })).toBe(true);
    expect(st.Check({ powerLoss: true, compartments: [{ id: 'A1', door: 'open', occupied: false }] })).toBe(true);
    expect(lockerTopic('s1', 'lk-01', 'event')).toBe('storegate/s1/locker/lk-01/event');
  });
  it.each([
    ['door state unknown', ev, { type: 'door', compartment: 'A1', door: 'ajar' }],
    ['compartment id with a slash', ev, { type: 'door', compartment: 'A/1', door: 'open' }],
    ['code with letters', kp, { code: '12a456' }],
    ['code and qr at once', kp, { code: '123456', qr: 'x' }],
    ['extra fields', st, { compartments: [], extra: 1 }],
  ])('rejects %s', (_name, check, body) => {
    expect(check.Check(body)).toBe(false);
  });
});
