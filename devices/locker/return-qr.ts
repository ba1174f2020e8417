import { createHmac, createPrivateKey, createPublicKey, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';

/**
 * The returns QR the cloud signs and the gateway verifies offline:
 *
 *   SGR1.<alg>.<payload>.<signature>
 *
 * `alg` is `hs256` (HMAC-SHA256 with a shared key) or `ed25519` (the cloud signs with its private key, the
 * gateway holds only the public key, so a stolen gateway cannot mint returns). `payload` is base64url of the
 * JSON below; `signature` is base64url of the signature over the ASCII bytes `SGR1.<alg>.<payload>`.
 * `rid` is unique per return and is what makes a QR single-use at the gateway.
 */
export interface ReturnQrPayload {
  /** return id (unique) */
  rid: string;
  /** order id */
  oid: string;
  /** item / SKU being returned */
  item: string;
  /** return reason code, e.g. `wrong_size`, `damaged`, `not_as_described` */
  reason: string;
  /** compartment size the item needs (S/M/L/XL); the gateway's default otherwise */
  size?: string;
  /** item category code (`outdoor`, `home`, …): for the keep-it policy, incentives and metrics */
  cat?: string;
  /** refund value in minor units (cents) */
  val?: number;
  /** the shopper's pseudonym (the cloud's, never a name): the keep-it rate guard and incentive history count by it */
  sid?: string;
  /** expiry, unix seconds */
  exp: number;
}

export type ReturnQrKeys = { hmacKey?: string | undefined; ed25519PublicKey?: string | undefined };
export type ReturnQrCheck = { ok: true; payload: ReturnQrPayload } | { ok: false; reason: 'malformed' | 'unsupported_alg' | 'bad_signature' | 'expired' };

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

const keyCache = new Map<string, KeyObject>();

/** PEM, or the raw 32-byte key in base64/base64url. Parsed once per key text. */
export function ed25519Key(text: string, kind: 'public' | 'private'): KeyObject {
  const cached = keyCache.get(`${kind}\0${text}`);
  if (cached) return cached;
  const key = parseEd25519Key(text, kind);
  if (keyCache.size > 16) keyCache.clear();
  keyCache.set(`${kind}\0${text}`, key);
  return key;
}

function parseEd25519Key(text: string, kind: 'public' | 'private'): KeyObject {
  if (text.includes('-----BEGIN')) return kind === 'public' ? createPublicKey(text) : createPrivateKey(text);
  const raw = Buffer.from(text, 'base64url');
  if (raw.length !== 32) throw new Error('an Ed25519 key is 32 bytes (base64) or PEM');
  // the fixed DER prefixes of SPKI / PKCS#8 for Ed25519 (RFC 8410)
  if (kind === 'public') return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  return createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), raw]), format: 'der', type: 'pkcs8' });
}

export function signReturnQr(payload: ReturnQrPayload, key: { hmacKey: string } | { ed25519PrivateKey: string }): string {
  const alg = 'hmacKey' in key ? 'hs256' : 'ed25519';
  const head = `SGR1.${alg}.${b64u(JSON.stringify(payload))}`;
  const sig =
    'hmacKey' in key ? createHmac('sha256', key.hmacKey).update(head).digest() : sign(null, Buffer.from(head), ed25519Key(key.ed25519PrivateKey, 'private'));
  return `${head}.${b64u(sig)}`;
}

const isPayload = (p: unknown): p is ReturnQrPayload => {
  const o = p as Record<string, unknown> | null;
  const str = (v: unknown, max = 128) => typeof v === 'string' && v.length > 0 && v.length <= max;
  return (
    !!o &&
    str(o.rid) &&
    str(o.oid) &&
    str(o.item) &&
    str(o.reason, 64) &&
    (o.size === undefined || str(o.size, 8)) &&
    (o.cat === undefined || str(o.cat, 32)) &&
    (o.val === undefined || (Number.isInteger(o.val) && (o.val as number) >= 0)) &&
    (o.sid === undefined || str(o.sid, 64)) &&
    typeof o.exp === 'number' &&
    Number.isFinite(o.exp)
  );
};

/** Checks shape, algorithm (only one the gateway holds a key for), signature, then expiry, in that order. */
export function verifyReturnQr(qr: string, keys: ReturnQrKeys, nowMs: number): ReturnQrCheck {
  const parts = qr.split('.');
  if (parts.length !== 4 || parts[0] !== 'SGR1') return { ok: false, reason: 'malformed' };
  const [, alg, body, sigText] = parts as [string, string, string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(sigText)) return { ok: false, reason: 'malformed' };
  const head = `SGR1.${alg}.${body}`;
  const sig = Buffer.from(sigText, 'base64url');
  let good: boolean;
  if (alg === 'hs256' && keys.hmacKey) {
    const want = createHmac('sha256', keys.hmacKey).update(head).digest();
    good = sig.length === want.length && timingSafeEqual(sig, want);
  } else if (alg === 'ed25519' && keys.ed25519PublicKey) {
    good = sig.length === 64 && verify(null, Buffer.from(head), ed25519Key(keys.ed25519PublicKey, 'public'), sig);
  } else return { ok: false, reason: 'unsupported_alg' };
  // base64url has padding bits: a changed last character can decode to the same bytes, so compare canonically
  if (!good || b64u(sig) !== sigText) return { ok: false, reason: 'bad_signature' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (b64u(Buffer.from(body, 'base64url')) !== body) return { ok: false, reason: 'bad_signature' };
  if (!isPayload(payload)) return { ok: false, reason: 'malformed' };
  if (payload.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}
