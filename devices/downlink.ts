import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import Type, { type Static } from 'typebox';
import { TOPIC_ROOT } from './topics.ts';

/**
 * The downlink wire contract (cloud → store), shared by the gateway and the cloud simulator. Pure: schemas, topics
 * and the Ed25519 envelope. Documented for the cloud team in README.md "Downlink contract".
 *
 * A message is a signed envelope `{keyid, signature, event}` where `event` is the CloudEvent as a JSON *string* and
 * `signature` is Ed25519 over exactly those UTF-8 bytes: no canonical JSON is needed on either side, and a message
 * cannot be altered (or its sequence moved) without breaking the signature.
 */

/** `storegate/<storeId>/downlink/<stream>` on the cloud broker */
export const downlinkTopic = (storeId: string, stream: string) => `${TOPIC_ROOT}/${storeId}/downlink/${stream}`;
export const downlinkFilter = (storeId: string) => `${TOPIC_ROOT}/${storeId}/downlink/+`;

export const STREAM_PATTERN = '^[a-z][a-z0-9-]{0,31}$';

export const SignedEnvelope = Type.Object(
  {
    /** id of the signing key, pinned in the gateway's config (`downlink.keys`) */
    keyid: Type.String({ minLength: 1, maxLength: 64 }),
    /** base64 Ed25519 signature over the UTF-8 bytes of `event` */
    signature: Type.String({ minLength: 1, maxLength: 200 }),
    /** the CloudEvent, as JSON text */
    event: Type.String({ minLength: 2, maxLength: 4 * 1024 * 1024 }),
  },
  { additionalProperties: false },
);
export type SignedEnvelope = Static<typeof SignedEnvelope>;

/** CloudEvents 1.0 plus the extensions the downlink needs (lower-case alphanumerics, per the spec). */
export const DownlinkEvent = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Type.String({ minLength: 1, maxLength: 128 }),
  source: Type.String({ minLength: 1, maxLength: 256 }),
  type: Type.String({ minLength: 1, maxLength: 128 }),
  time: Type.String({ format: 'date-time' }),
  /** the ordered stream this message belongs to (`stock`, `catalog`, `config`, `commands`, `models`, …) */
  stream: Type.String({ pattern: STREAM_PATTERN }),
  /** 1, 2, 3, … per stream, no gaps */
  sequence: Type.Integer({ minimum: 1 }),
  /** the store it is for: a message signed for another store is refused */
  storeid: Type.String({ minLength: 1 }),
  /** commands and config patches: RFC 3339 time after which it must not act */
  expiresat: Type.Optional(Type.String({ format: 'date-time' })),
  /** commands and config patches: single-use, remembered until `expiresat` */
  nonce: Type.Optional(Type.String({ minLength: 8, maxLength: 128 })),
  /** commands and config patches: who asked (audited) */
  requestedby: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  datacontenttype: Type.Optional(Type.String()),
  data: Type.Unknown(),
});
export type DownlinkEvent = Static<typeof DownlinkEvent>;

const Sku = Type.String({ minLength: 1, maxLength: 64 });
const Size = Type.String({ minLength: 1, maxLength: 16 });

/** storegate.stock.changed: sale −n, return +n, transfer ±n, recount = the level counted */
export const StockChange = Type.Object(
  {
    sku: Sku,
    size: Size,
    reason: Type.Union([Type.Literal('sale'), Type.Literal('return'), Type.Literal('transfer'), Type.Literal('recount')]),
    /** sale/return: units (≥ 1); transfer: signed units (+ in, − out); recount: the level */
    quantity: Type.Integer({ minimum: -100_000, maximum: 100_000 }),
  },
  { additionalProperties: false },
);
export type StockChange = Static<typeof StockChange>;
export const StockChanged = Type.Object({ changes: Type.Array(StockChange, { minItems: 1, maxItems: 5000 }) }, { additionalProperties: false });

const ProductFields = {
  name: Type.String({ minLength: 1 }),
  category: Type.String({ minLength: 1 }),
  colour: Type.String(),
  style: Type.String({ minLength: 1 }),
  price: Type.Object({ amount: Type.Number({ minimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }, { additionalProperties: false }),
  gtins: Type.Array(Type.String({ pattern: '^[0-9]{8,14}$' }), { maxItems: 100 }),
  gtin: Type.String({ pattern: '^[0-9]{8,14}$' }),
};
/** storegate.catalog.changed: new/replaced items, field patches (price, style/colour group, GTINs), removals */
export const CatalogChanged = Type.Object(
  {
    upsert: Type.Optional(
      Type.Array(
        Type.Object(
          {
            sku: Sku,
            name: ProductFields.name,
            category: ProductFields.category,
            colour: ProductFields.colour,
            style: Type.Optional(ProductFields.style),
            price: Type.Optional(ProductFields.price),
            gtins: Type.Optional(ProductFields.gtins),
            /** stock of a size the store does not hold yet (default 0); a size it holds keeps its level */
            /** `gtin`: the GTIN of the item in this size (what its RFID tag's SGTIN-96 encodes) */
            sizes: Type.Array(
              Type.Object(
                { size: Size, stock: Type.Optional(Type.Integer({ minimum: 0 })), gtin: Type.Optional(ProductFields.gtin) },
                { additionalProperties: false },
              ),
              { minItems: 1 },
            ),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
    patch: Type.Optional(
      Type.Array(
        Type.Object(
          {
            sku: Sku,
            name: Type.Optional(ProductFields.name),
            colour: Type.Optional(ProductFields.colour),
            style: Type.Optional(ProductFields.style),
            price: Type.Optional(ProductFields.price),
            gtins: Type.Optional(ProductFields.gtins),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
    remove: Type.Optional(Type.Array(Sku, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export type CatalogChanged = Static<typeof CatalogChanged>;

/** storegate.config.patch: dotted keys → values, each under an allow-listed key */
export const ConfigPatch = Type.Object({ set: Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Unknown()) }, { additionalProperties: false });

/** storegate.command.<name> */
export const COMMANDS = {
  'device.revoke': Type.Object({ deviceId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  'deadletters.replay': Type.Object(
    { forwarder: Type.Optional(Type.String({ minLength: 1 })), ids: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 })) },
    { additionalProperties: false },
  ),
  /** pins a new downlink key and/or retires one; only a key with purpose `trust` may sign it */
  'key.rotate': Type.Object(
    {
      add: Type.Optional(
        Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 64 }),
            publicKey: Type.String({ minLength: 1 }),
            purposes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
          },
          { additionalProperties: false },
        ),
      ),
      retire: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    },
    { additionalProperties: false },
  ),
  'locker.reclaim': Type.Object({ parcelId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  'model.promote': Type.Object({ version: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
  'model.rollback': Type.Object({ version: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: true }),
} as const;
export type CommandName = keyof typeof COMMANDS;

/** storegate.model.announced: the recognition capability fetches and verifies it with its own model-signing key */
export const ModelAnnounced = Type.Object(
  {
    version: Type.String({ minLength: 1 }),
    url: Type.String({ minLength: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    signature: Type.String({ minLength: 1 }),
    labels: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  { additionalProperties: true },
);

/** storegate.incentive.redeemed: an offer redeemed online */
export const IncentiveRedeemed = Type.Object(
  { offerId: Type.String({ minLength: 1, maxLength: 128 }), redeemedAt: Type.String({ format: 'date-time' }) },
  { additionalProperties: true },
);

/** event type → which key purpose may sign it */
export function purposeOf(type: string): string {
  const t = type.replace(/^storegate\./, '');
  if (t.startsWith('stock.')) return 'stock';
  if (t.startsWith('catalog.')) return 'catalog';
  if (t.startsWith('config.')) return 'config';
  if (t === 'command.key.rotate') return 'trust';
  if (t === 'command.model.promote' || t === 'command.model.rollback' || t.startsWith('model.')) return 'model';
  if (t.startsWith('command.')) return 'command';
  if (t.startsWith('incentive.')) return 'incentive';
  return 'unknown';
}

/** A public key from config: PEM (SPKI), or the raw 32 bytes in base64. */
export function publicKeyFrom(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return createPublicKey(t);
  const raw = Buffer.from(t, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is PEM or 32 bytes in base64');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export function signEnvelope(event: DownlinkEvent, keyId: string, privateKey: KeyObject | string): string {
  const text = JSON.stringify(event);
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return JSON.stringify({ keyid: keyId, signature: sign(null, Buffer.from(text, 'utf8'), key).toString('base64'), event: text });
}

export function verifySignature(envelope: SignedEnvelope, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(envelope.event, 'utf8'), key, Buffer.from(envelope.signature, 'base64'));
  } catch {
    return false;
  }
}
