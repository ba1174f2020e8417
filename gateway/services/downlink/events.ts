/** What the downlink puts on the bus and sends back to the cloud (README "Downlink contract"). */
export interface ResyncRequested {
  stream: string;
  /** the first sequence the gateway is missing */
  from: number;
  /** the sequence that showed the gap */
  received: number;
}
export interface DownlinkRefused {
  id: string | null;
  stream: string | null;
  sequence: number | null;
  type: string | null;
  keyId: string | null;
  reason: string;
  errors?: string[];
}
export interface CommandCompleted {
  commandId: string;
  command: string;
  requestedBy: string;
  keyId: string;
  outcome: 'done' | 'requested' | 'failed';
  detail?: string;
}
export interface ConfigApplied {
  patchId: string;
  requestedBy: string;
  keys: string[];
  /** keys that take effect at the next start (the others are live now) */
  restartRequired: string[];
}
export interface StockSynced {
  stream: string;
  sequence: number;
  applied: number;
  unknown: Array<{ sku: string; size: string }>;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    'downlink.resync.requested': ResyncRequested;
    'downlink.refused': DownlinkRefused;
    'downlink.command.completed': CommandCompleted;
    'downlink.config.applied': ConfigApplied;
    /** local: the store's stock changed (not forwarded: the cloud sent it) */
    'stock.changed': StockSynced;
    'catalog.changed': { upserted: number; patched: number; removed: number; refused: Array<{ sku: string; reason: string }> };
    /** local: the effective config after an accepted patch (may hold secrets: never stored, forwarded or shown) */
    'config.patched': { patchId: string; keys: string[]; config: Record<string, unknown> };
    // model.announced / model.promote.requested / model.rollback.requested: declared by their consumer,
    // gateway/services/recognition/model-events.ts
    /** for the lockers capability (gateway/services/lockers/remote-commands.ts) */
    'locker.reclaim.requested': { parcelId: string; requestedBy: string; commandId: string; keyId: string };
    // incentive.redeemed (an offer redeemed online): declared by its consumer, gateway/services/lockers/events.ts
  }
}
