import type { InteractionMessage, PresenceMessage } from '../../../devices/smart-mirror/messages.ts';

import type { Delivery, SizeRequestStatus } from '../../../devices/smart-mirror/messages.ts';

/** Fitting-room events. `order.intent.created` routes to the cloud by default (`order.*`, critical). */
export interface FrameReceived {
  mirrorId: string;
  /** size only: frame bytes never reach the bus, the store or the outbox */
  bytes: number;
}
export interface FittingSessionClosed {
  sessionId: string;
  mirrorId: string;
  zone: string | null;
  shopperId: string | null;
  /** the shopper's store visit (presence's `sessionId`) this fitting-room session belongs to */
  shopperSessionId: string | null;
  startedAt: string;
  endedAt: string;
  /**
   * `modelId`/`modelSha256`: the model that recognised the item (null when the shopper picked it). Items read by the
   * room's RFID reader (`via: 'tag'`) also carry their exact `size`, `epc`, what the `camera` said of them and why they ended.
   */
  items: Array<{
    sku: string;
    category: string;
    via: string;
    modelId: string | null;
    modelSha256: string | null;
    size?: string | null;
    epc?: string;
    camera?: 'agreed' | 'disagreed' | 'none';
    endedReason?: string | null;
  }>;
  /** tagged items the camera agreed / disagreed with (the tag won) */
  fusion: { agreed: number; disagreed: number };
  suggestionsShown: number;
  suggestionsTaken: string[];
  sizeRequests: Array<{ id: string; sku: string; size: string; status: string }>;
  orders: Array<{ id: string; sku: string; size: string; delivery: string }>;
}
export interface FittingSessionOpened {
  sessionId: string;
  mirrorId: string;
  zone: string | null;
  shopperId: string | null;
  shopperSessionId: string | null;
  startedAt: string;
}
export interface SizeRequestUpdated {
  id: string;
  mirrorId: string;
  zone: string | null;
  sku: string;
  size: string;
  status: SizeRequestStatus;
  /** who changed it: `staff:<login>` (or the token's name) for claim and answers, `shopper` for a cancel, `gateway` when the shopper left */
  by?: string;
}
export interface OrderIntentCreated {
  orderIntentId: string;
  sessionId: string | null;
  shopperId: string | null;
  mirrorId: string;
  sku: string;
  size: string;
  delivery: Delivery;
  /** the store whose lockers receive the parcel when delivery is `locker` */
  pickupStoreId: string | null;
  /** where the shopper wants the order's messages (given with consent); only in this event, never in a table */
  contact?: { channel: 'sms' | 'email'; address: string };
}

/** A read the fitting room's RFID reader reported, decoded (SGTIN-96) and matched to the catalog by GTIN. */
export interface DecodedTagRead {
  epc: string;
  gtin: string;
  serial: string;
  sku: string;
  size: string | null;
  antenna: number | null;
  rssi: number | null;
  time: string | null;
}
export interface TagsRead {
  readerId: string;
  /** the reader's zone as registered (fitting.rfid.readers may override it) */
  zone: string | null;
  reads: DecodedTagRead[];
  /** reads of a batch that were refused (the rest were taken) */
  rejected: Array<{ epc: string; reason: string; detail: string }>;
}
export interface ItemTagged {
  sessionId: string;
  mirrorId: string;
  zone: string;
  readerId: string;
  sku: string;
  size: string | null;
  gtin: string;
  serial: string;
  epc: string;
  /** what the camera said (its last answer in `fitting.rfid.fusionWindowSeconds`): the tag wins a disagreement */
  camera: 'agreed' | 'disagreed' | 'none';
  cameraLabel: string | null;
}
export interface ItemFused {
  sessionId: string;
  mirrorId: string;
  sku: string;
  size: string | null;
  epc: string;
  camera: 'agreed' | 'disagreed';
  cameraLabel: string;
}
export interface ItemEnded {
  sessionId: string;
  mirrorId: string;
  zone: string;
  sku: string;
  size: string | null;
  epc: string;
  /** `not_read`: not read for tagTimeoutSeconds; `moved`: another room's reader read it */
  reason: 'not_read' | 'moved';
}

/** What a mirror sent, as the mirror channels hand it to the fitting service: local bus events (`Bus.emitLocal`). */
export interface MirrorSaid<M> {
  mirrorId: string;
  message: M;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    'fitting.frame.received': FrameReceived;
    'fitting.session.opened': FittingSessionOpened;
    'fitting.session.closed': FittingSessionClosed;
    'fitting.size_request.updated': SizeRequestUpdated;
    'order.intent.created': OrderIntentCreated;
    /** a camera frame, in memory only: never stored, logged or forwarded */
    'fitting.frame.captured': MirrorSaid<Buffer>;
    'fitting.mirror.presence': MirrorSaid<PresenceMessage>;
    'fitting.mirror.interaction': MirrorSaid<InteractionMessage>;
    /** tag reads, in memory only (readers repeat every tag several times a second): the items they start and end are recorded */
    'fitting.tags.read': TagsRead;
    'fitting.item.tagged': ItemTagged;
    'fitting.item.fused': ItemFused;
    'fitting.item.ended': ItemEnded;
  }
}
