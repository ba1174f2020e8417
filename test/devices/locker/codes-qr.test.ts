import { createHmac, generateKeyPairSync } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { codeFromPickupQr, derivePickupCode, pickupQr } from '../../../devices/locker/codes.ts';
import { KeypadMessage, LockerEventMessage, StateReportMessage } from '../../../devices/locker/messages.ts';
import { ed25519Key, signReturnQr, verifyReturnQr } from '../../../devices/locker/return-qr.ts';
import { lockerTopic } from '../../../devices/locker/topics.ts';

const NOW = Date.UTC(2026, 0, 1);
const P = { rid: 'r-1', oid: 'o-1', item: 'sku-1', reason: 'damaged', exp: NOW / 1000 + 600 };

describe('pickup codes', () => {
  it('derives the same 6-digit code on the gateway and in the cloud from key, order id and nonce (golden vector)', () => {
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1')).toBe(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1'));
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1')).toMatch(/^[0-9]{6}$/);
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1')).toBe('586410'); // computed independently with Python's hmac;
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-2')).not.toBe(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-1'));
    // a code under 100000 keeps its leading zero (Python: hmac.new(key, b"pickup\0order-1\0nonce-2", sha256), first 4 bytes % 10**6)
    expect(derivePickupCode('k3y-shared-with-cloud', 'order-1', 'nonce-2')).toBe('069346');
  });

  it('reads the pickup QR format and nothing else', () => {
    expect(codeFromPickupQr(pickupQr('012345'))).toBe('012345');
    for (const bad of ['SGP1.12345', 'SGP1.1234567', 'SGP2.123456', '123456', 'SGP1.12345a', 'xSGP1.123456', 'SGP1.123456\n', 'SGP1x123456'])
      expect(codeFromPickupQr(bad), bad).toBeNull();
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

  // the QRs are built inside the test, not in the table: a signer that throws must fail a test, not the collection
  it.each([
    ['expired', () => signReturnQr({ ...P, exp: NOW / 1000 }, { hmacKey: 'h' }), 'expired'],
    ['wrong key', () => signReturnQr(P, { hmacKey: 'other' }), 'bad_signature'],
    ['not a return QR', () => 'SGP1.123456', 'malformed'],
    ['too few parts', () => 'SGR1.hs256.abc', 'malformed'],
    ['unknown algorithm', () => 'SGR1.none.eyJ9.', 'malformed'],
    ['alg none with an empty signature', () => 'SGR1.none.eyJyaWQiOiJyIn0.AA', 'unsupported_alg'],
    ['signed garbage payload', () => signReturnQr({ nope: 1 } as never, { hmacKey: 'h' }), 'malformed'],
  ])('refuses %s', (_name, qr, reason) => {
    expect(verifyReturnQr(qr(), { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason });
  });
});

describe('return QR keys and payload checks', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pem = { pub: publicKey.export({ format: 'pem', type: 'spki' }).toString(), priv: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };

  it('takes Ed25519 keys as PEM too, and refuses a raw key that is not 32 bytes', () => {
    const qr = signReturnQr(P, { ed25519PrivateKey: pem.priv });
    expect(verifyReturnQr(qr, { ed25519PublicKey: pem.pub }, NOW)).toEqual({ ok: true, payload: P });
    expect(() => ed25519Key(Buffer.alloc(31).toString('base64'), 'public')).toThrow('an Ed25519 key is 32 bytes (base64) or PEM');
    expect(() => ed25519Key(Buffer.alloc(33).toString('base64'), 'private')).toThrow('an Ed25519 key is 32 bytes (base64) or PEM');
    expect(ed25519Key(pem.pub, 'public').type).toBe('public');
    expect(ed25519Key(pem.priv, 'private').type).toBe('private');
    // the same text as the other kind is a different key object (the cache is keyed by kind)
    const raw = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16).toString('base64');
    expect(ed25519Key(raw, 'private').type).toBe('private');
    expect(ed25519Key(raw, 'public').type).toBe('public');
  });

  it('refuses an Ed25519 QR signed by another key, and one whose signature is not 64 bytes', () => {
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(verifyReturnQr(signReturnQr(P, { ed25519PrivateKey: other }), { ed25519PublicKey: pem.pub }, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const qr = signReturnQr(P, { ed25519PrivateKey: pem.priv });
    const short = `${qr.slice(0, qr.lastIndexOf('.'))}.${Buffer.alloc(63).toString('base64url')}`;
    expect(verifyReturnQr(short, { ed25519PublicKey: pem.pub }, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    // an hs256 QR where only an Ed25519 key is held: not an algorithm this gateway accepts
    expect(verifyReturnQr(signReturnQr(P, { hmacKey: 'h' }), { ed25519PublicKey: pem.pub }, NOW)).toEqual({ ok: false, reason: 'unsupported_alg' });
  });

  /** a QR with a valid HMAC over any body text */
  const signedBody = (body: string) => {
    const head = `SGR1.hs256.${body}`;
    return `${head}.${createHmac('sha256', 'h').update(head).digest('base64url')}`;
  };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it.each([
    ['an empty rid', { ...P, rid: '' }],
    ['a rid over 128 characters', { ...P, rid: 'r'.repeat(129) }],
    ['a missing oid', { ...P, oid: undefined }],
    ['a numeric item', { ...P, item: 7 }],
    ['a reason over 64 characters', { ...P, reason: 'x'.repeat(65) }],
    ['a size over 8 characters', { ...P, size: 'XXXXXXXXL' }],
    ['an empty size', { ...P, size: '' }],
    ['an exp that is a string', { ...P, exp: String(P.exp) }],
    ['an infinite exp', { ...P, exp: 'Infinity' }],
  ])('refuses a correctly signed payload with %s as malformed', (_what, payload) => {
    expect(verifyReturnQr(signedBody(b64(payload)), { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts the longest fields and a size, refuses a body that is not JSON, and expires at exp exactly', () => {
    const long = { ...P, rid: 'r'.repeat(128), reason: 'x'.repeat(64), size: 'XXXXXXXL' };
    expect(verifyReturnQr(signedBody(b64(long)), { hmacKey: 'h' }, NOW)).toEqual({ ok: true, payload: long });
    expect(verifyReturnQr(signedBody(Buffer.from('{not json').toString('base64url')), { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyReturnQr(signedBody(b64(P)), { hmacKey: 'h' }, P.exp * 1000 - 1).ok).toBe(true);
    expect(verifyReturnQr(signedBody(b64(P)), { hmacKey: 'h' }, P.exp * 1000)).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('return QR text must be the one the cloud signed', () => {
  const signedBody = (body: string) => {
    const head = `SGR1.hs256.${body}`;
    return `${head}.${createHmac('sha256', 'h').update(head).digest('base64url')}`;
  };
  /** base64url's last character of a 32-byte signature carries 2 padding bits: flip them, the bytes stay the same */
  const samePaddingBitsFlipped = (text: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(text.slice(-1));
    return text.slice(0, -1) + (alphabet[last ^ 1] as string);
  };

  it('refuses a QR whose signature decodes to the same bytes but is not the text that was signed', () => {
    const qr = signReturnQr(P, { hmacKey: 'h' });
    const twin = samePaddingBitsFlipped(qr);
    expect(Buffer.from(twin.split('.')[3] as string, 'base64url')).toEqual(Buffer.from(qr.split('.')[3] as string, 'base64url'));
    expect(verifyReturnQr(twin, { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a validly signed body that is not canonical base64url (same payload, other text)', () => {
    // 77 bytes of JSON: the last base64url character carries 2 padding bits, as in the signature
    const payload = { ...P, item: 'sku-12' };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    expect(verifyReturnQr(signedBody(body), { hmacKey: 'h' }, NOW)).toEqual({ ok: true, payload });
    const twin = samePaddingBitsFlipped(body);
    expect(Buffer.from(twin, 'base64url').toString()).toBe(JSON.stringify(payload));
    expect(verifyReturnQr(signedBody(twin), { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an HMAC signature of the wrong length as a bad signature, not with a crash', () => {
    const qr = signReturnQr(P, { hmacKey: 'h' });
    const head = qr.slice(0, qr.lastIndexOf('.'));
    for (const n of [1, 31, 33, 64])
      expect(verifyReturnQr(`${head}.${Buffer.alloc(n, 7).toString('base64url')}`, { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses characters outside base64url at either end of the body or the signature as malformed', () => {
    const qr = signReturnQr(P, { hmacKey: 'h' });
    const [, , body, sig] = qr.split('.') as [string, string, string, string];
    for (const [b, s] of [
      [`${body}=`, sig],
      [`*${body}`, sig],
      [body, `${sig}=`],
      [body, `*${sig}`],
    ])
      expect(verifyReturnQr(`SGR1.hs256.${b}.${s}`, { hmacKey: 'h' }, NOW), `${b?.slice(0, 4)}….${s?.slice(-4)}`).toEqual({ ok: false, reason: 'malformed' });
  });

  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  it.each([
    ['a category over 32 characters', { ...P, cat: 'c'.repeat(33) }],
    ['an empty category', { ...P, cat: '' }],
    ['a negative value', { ...P, val: -1 }],
    ['a fractional value', { ...P, val: 12.5 }],
    ['a value as a string', { ...P, val: '1200' }],
    ['a shopper pseudonym over 64 characters', { ...P, sid: 's'.repeat(65) }],
    ['an empty shopper pseudonym', { ...P, sid: '' }],
  ])('refuses a signed payload with %s as malformed', (_what, payload) => {
    expect(verifyReturnQr(signedBody(b64(payload)), { hmacKey: 'h' }, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts the optional fields at their limits (value 0, 32-character category, 64-character pseudonym)', () => {
    const full = { ...P, size: 'M', cat: 'c'.repeat(32), val: 0, sid: 's'.repeat(64) };
    expect(verifyReturnQr(signedBody(b64(full)), { hmacKey: 'h' }, NOW)).toEqual({ ok: true, payload: full });
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
