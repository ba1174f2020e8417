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
 * - `pick`: the shopper chose the item (after `ask_pick`, or to correct the mirror)
 * - `tap`: the shopper tapped a suggestion (counted as "taken")
 * - `size_request`: ask staff to bring `productId` in `size` (answered with `order_online` when none in store)
 * - `order`: order `productId` in `size` online, delivered `home` or to a `locker` at this store
 */
export const InteractionMessage = Type.Object(
  {
    type: Type.Union([Type.Literal('pick'), Type.Literal('tap'), Type.Literal('size_request'), Type.Literal('order')]),
    productId: Type.Optional(Sku),
    size: Type.Optional(Size),
    delivery: Type.Optional(Delivery),
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

export type SizeRequestStatus = 'open' | 'claimed' | 'done' | 'cancelled';

/** The gateway's answers on `storegate/<store>/mirror/<id>/cmd`. */
export type MirrorCommand =
  | {
      type: 'recognised';
      sessionId: string;
      label: string;
      confidence: number;
      unsure: false;
      /** `model` (from the frame) or `pick` (the shopper chose) */
      via: 'model' | 'pick';
      item: ProductView | null;
      suggestions: Suggestions;
    }
  | {
      type: 'ask_pick';
      sessionId: string;
      confidence: number;
      options: Array<{ label: string; confidence: number; products: Array<{ sku: string; name: string }> }>;
    }
  | { type: 'order_online'; sessionId: string; offer: OrderOnline }
  | { type: 'size_request'; id: string; status: SizeRequestStatus; productId: string; size: string }
  | { type: 'order'; id: string; status: 'created'; productId: string; size: string; delivery: Delivery }
  | { type: 'session'; sessionId: string | null; status: 'open' | 'closed' }
  | { type: 'error'; reason: string; message: string }
  /** ingest refused a message (MQTT has no negative PUBACK) */
  | { type: 'rejected'; reason: string; topic: string };
