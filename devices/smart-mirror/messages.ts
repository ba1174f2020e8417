import Type, { type Static } from 'typebox';

/**
 * What a smart mirror publishes besides `frame` (raw JPEG/PNG/WebP bytes, never JSON) and what the gateway
 * answers on its `cmd` topic. Pure schemas: shared by the gateway and the simulator.
 */
const Sku = Type.String({ minLength: 1, maxLength: 64 });
const Size = Type.String({ minLength: 1, maxLength: 16 });
const MsgId = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]));

/** someone stepped in front of the mirror (opens a fitting-room session) or left (closes it) */
export const PresenceMessage = Type.Object({ present: Type.Boolean(), msgId: MsgId }, { additionalProperties: false });
export type PresenceMessage = Static<typeof PresenceMessage>;

export const Delivery = Type.Union([Type.Literal('home'), Type.Literal('locker')]);
export type Delivery = Static<typeof Delivery>;

/**
 * Where the shopper wants the order's messages (the pickup code, delivery news), given with their consent. It goes to
 * the cloud with the order and is not kept on the gateway: not in its tables, not in device_events, not in logs.
 */
export const Contact = Type.Union([
  Type.Object(
    { channel: Type.Literal('sms'), address: Type.String({ pattern: '^\\+?[0-9][0-9 ()/-]{5,19}$' }), consent: Type.Literal(true) },
    { additionalProperties: false },
  ),
  Type.Object(
    { channel: Type.Literal('email'), address: Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' }), consent: Type.Literal(true) },
    { additionalProperties: false },
  ),
]);
export type Contact = Static<typeof Contact>;

/**
 * - `pick`: the shopper chose the item (after `ask_pick`, or to correct the mirror)
 * - `tap`: the shopper tapped a suggestion (counted as "taken")
 * - `size_request`: ask staff to bring `productId` in `size` (answered with `order_online` when none in store)
 * - `cancel`: the shopper no longer wants size request `requestId`
 * - `order`: order `productId` in `size` online, delivered `home` or to a `locker` at this store, with the shopper's
 *   `contact` for its messages
 */
export const InteractionMessage = Type.Object(
  {
    type: Type.Union([Type.Literal('pick'), Type.Literal('tap'), Type.Literal('size_request'), Type.Literal('cancel'), Type.Literal('order')]),
    productId: Type.Optional(Sku),
    size: Type.Optional(Size),
    delivery: Type.Optional(Delivery),
    requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    contact: Type.Optional(Contact),
    msgId: MsgId,
  },
  { additionalProperties: false },
);
export type InteractionMessage = Static<typeof InteractionMessage>;

export interface ProductView {
  sku: string;
  name: string;
  category: string;
  colour: string;
  sizes: Array<{ size: string; inStock: boolean }>;
}

export interface Suggestion {
  sku: string;
  name: string;
  category: string;
  colour?: string;
  /** what the mirror shows: "also in black", "goes with your dress", "similar: Striped boat-neck top" */
  reason: string;
  /** the reason as a message key and its argument, for pages in other languages: `colour` (arg: the colour), `often_with` (the item's name), `goes_with` (the item's kind, e.g. dress), `similar` (this suggestion's name) */
  why?: { key: 'colour' | 'often_with' | 'goes_with' | 'similar'; arg: string };
  /** sizes in store now */
  inStock: string[];
}

export interface Suggestions {
  /** the same product in the other sizes that are in store */
  sizes: Array<{ size: string; reason: string }>;
  /** the same garment (catalog `style`) in other colours that are in store */
  colours: Suggestion[];
  goesWith: Suggestion[];
  similar: Suggestion[];
  /** set when the store's stock was last synced with the cloud longer ago than `downlink.staleAfterSeconds` (RFC 3339) */
  stockAsOf?: string;
}

export interface OrderOnline {
  sku: string;
  size: string;
  delivery: Delivery[];
  reason: string;
}

/** open → claimed (a person took it) → done (brought) or unavailable (not in the stockroom after all); cancelled by the shopper or when they leave */
export type SizeRequestStatus = 'open' | 'claimed' | 'done' | 'unavailable' | 'cancelled';

/** The model that recognised a frame: its id, the sha256 of its ONNX file, and its rollout version (null if shipped). */
export interface RecognitionModelRef {
  id: string;
  sha256: string;
  version: string | null;
}

/**
 * What the fitting room's RFID reader and the camera said of the item on the mirror. `agreed`: the camera saw the tagged
 * item's kind (high confidence); `disagreed`: it saw something else, and the tag won; `none`: no camera answer to compare.
 */
export interface TagFusion {
  camera: 'agreed' | 'disagreed' | 'none';
  confidence: 'high' | 'tag';
  /** the camera's label, when it had one */
  cameraLabel?: string;
}

/** the tag that put an item on the mirror (SGTIN-96 decoded): the item's exact GTIN and serial */
export interface TagRef {
  epc: string;
  gtin: string;
  serial: string;
}

/** The gateway's answers on `storegate/<store>/mirror/<id>/cmd`. */
export type MirrorCommand =
  | {
      type: 'recognised';
      sessionId: string;
      label: string;
      confidence: number;
      unsure: false;
      /** `model` (from the frame), `pick` (the shopper chose) or `tag` (the room's RFID reader read the item's tag) */
      via: 'model' | 'pick' | 'tag';
      /** with `via: 'model'`: which model recognised the frame */
      model?: RecognitionModelRef;
      /** with `via: 'tag'`: the exact size on the tag (null when its GTIN names the product only) */
      size?: string | null;
      tag?: TagRef;
      fusion?: TagFusion;
      item: ProductView | null;
      suggestions: Suggestions;
    }
  | {
      type: 'ask_pick';
      sessionId: string;
      confidence: number;
      /** the model that was not sure */
      model?: RecognitionModelRef;
      options: Array<{ label: string; confidence: number; products: Array<{ sku: string; name: string }> }>;
    }
  | { type: 'order_online'; sessionId: string; offer: OrderOnline }
  | { type: 'size_request'; id: string; status: SizeRequestStatus; productId: string; size: string }
  | { type: 'order'; id: string; status: 'created'; productId: string; size: string; delivery: Delivery }
  | { type: 'session'; sessionId: string | null; status: 'open' | 'closed' }
  /** a tagged item left the fitting room (its tag was not read for `fitting.rfid.tagTimeoutSeconds`, or another room's reader read it) */
  | { type: 'item_ended'; sessionId: string | null; sku: string; size: string | null; epc: string; reason: 'not_read' | 'moved' }
  | { type: 'error'; reason: string; message: string }
  /** ingest refused a message (MQTT has no negative PUBACK) */
  | { type: 'rejected'; reason: string; topic: string };
