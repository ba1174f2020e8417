import { createHash, createHmac, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { join, resolve } from 'node:path';
import { readOrCreateSecretFile } from '../../store/secret-file.ts';

/** What a shopper is handed after an export or an erasure: what was found/erased per data class, and when. */
export interface Receipt {
  receiptId: string;
  action: 'export' | 'erase';
  storeId: string;
  /** what the shopper named (app id, order id, pseudonym); the handle itself is only in `handleDigest` */
  handle: 'app' | 'order' | 'pseudonym';
  /** HMAC(receipt key, handle): the store can tell which handle a receipt is for; nobody else can */
  handleDigest: string;
  at: string;
  /** rows per data class: found (export) or erased (erase) */
  counts: Record<string, number>;
  /** the erase request queued for the cloud */
  eventId?: string;
}

export interface SignedReceipt {
  receipt: Receipt;
  algorithm: 'Ed25519';
  /** base64url signature over `canonicalJson(receipt)` */
  signature: string;
  /** SHA-256 of the public key (SPKI DER), hex: compare with `storegate privacy receipt-key` */
  keyId: string;
  publicKey: string;
}

/** JSON with object keys sorted at every level: the bytes the signature covers, the same on every machine. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410)
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const keyIdOf = (pub: KeyObject) =>
  createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');

/** The receipt signer: an Ed25519 key whose seed is `<dataDir>/receipt-key` (generated, 0600, like the admin token). */
export function createReceiptSigner(dataDir: string) {
  const { value } = readOrCreateSecretFile(join(resolve(dataDir), 'receipt-key'), { bytes: 32 });
  const seed = Buffer.from(value, 'base64url');
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    publicKey: publicPem,
    digest: (handle: string) => createHmac('sha256', seed).update(`storegate:receipt-handle:${handle}`).digest('hex').slice(0, 32),
    sign(receipt: Receipt): SignedReceipt {
      const signature = sign(null, Buffer.from(canonicalJson(receipt)), privateKey).toString('base64url');
      return { receipt, algorithm: 'Ed25519', signature, keyId, publicKey: publicPem };
    },
  };
}

export type ReceiptSigner = ReturnType<typeof createReceiptSigner>;

/**
 * Offline check of a receipt: the signature over its canonical JSON, with the given public key (PEM) or the one
 * it carries. Pass the store's published key: a receipt's own key only proves it was not altered since signing.
 */
export function verifyReceipt(r: SignedReceipt, publicKeyPem: string = r.publicKey): { ok: boolean; keyId: string } {
  try {
    const pub = createPublicKey(publicKeyPem);
    const ok = verify(null, Buffer.from(canonicalJson(r.receipt)), pub, Buffer.from(r.signature, 'base64url'));
    return { ok, keyId: keyIdOf(pub) };
  } catch {
    return { ok: false, keyId: '' };
  }
}
