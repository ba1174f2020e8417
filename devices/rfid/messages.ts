import Type, { type Static } from 'typebox';
import { RFID_MAX_READS } from './topics.ts';

/**
 * What a UHF reader publishes on `…/rfid-reader/<id>/reads`: tag reads, one or a batch, in storegate's own shape or
 * as reader middleware sends them as-is (Impinj IoT device interface `tagInventory` events, Zebra IoT connector
 * `SIMPLE` tag data events). The EPC is only checked for being a string here: whether it is an SGTIN-96 the
 * gateway knows is decided per read, so one bad tag in a batch does not cost the others.
 */
const Epc = Type.String({ maxLength: 128 });
const Antenna = Type.Integer({ minimum: 0, maximum: 64 });
/** dBm: readers report about −90 (far) to −20 (on the antenna) */
const Rssi = Type.Number({ minimum: -150, maximum: 30 });
/** RFC 3339, or ms since the epoch */
const Time = Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })]);
const MsgId = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]));

export const TagRead = Type.Object(
  { epc: Epc, antenna: Type.Optional(Antenna), rssi: Type.Optional(Rssi), time: Type.Optional(Time), msgId: MsgId },
  { additionalProperties: false },
);
export const TagReadBatch = Type.Object(
  { reads: Type.Array(Type.Omit(TagRead, ['msgId']), { minItems: 1, maxItems: RFID_MAX_READS }), msgId: MsgId },
  { additionalProperties: false },
);

/** Impinj R700 IoT device interface: `epcHex` (or base64 `epc`), `antennaPort`, `peakRssiCdbm` (hundredths of a dBm) */
export const ImpinjTagInventory = Type.Object({
  timestamp: Type.Optional(Type.String({ maxLength: 40 })),
  hostname: Type.Optional(Type.String({ maxLength: 128 })),
  eventType: Type.Literal('tagInventory'),
  tagInventoryEvent: Type.Object({
    epcHex: Type.Optional(Epc),
    epc: Type.Optional(Type.String({ maxLength: 128 })),
    antennaPort: Type.Optional(Antenna),
    peakRssiCdbm: Type.Optional(Type.Integer({ minimum: -15000, maximum: 3000 })),
  }),
});
/** Zebra FX-series IoT connector: `data.idHex`, `data.antenna`, `data.peakRssi` (dBm) */
export const ZebraTagData = Type.Object({
  type: Type.Literal('SIMPLE'),
  timestamp: Type.Optional(Type.String({ maxLength: 40 })),
  data: Type.Object({ idHex: Epc, antenna: Type.Optional(Antenna), peakRssi: Type.Optional(Rssi) }),
});

export const TagReadsMessage = Type.Union([
  TagReadBatch,
  TagRead,
  ImpinjTagInventory,
  Type.Array(ImpinjTagInventory, { minItems: 1, maxItems: RFID_MAX_READS }),
  ZebraTagData,
  Type.Array(ZebraTagData, { minItems: 1, maxItems: RFID_MAX_READS }),
]);
export type TagReadsMessage = Static<typeof TagReadsMessage>;

/** One read in one shape, whatever the reader sent. */
export interface NormalisedRead {
  /** as sent (hex); decoding is the gateway's job */
  epc: string;
  antenna: number | null;
  /** dBm */
  rssi: number | null;
  /** the reader's time (RFC 3339), when it sent one */
  time: string | null;
}

const iso = (t: unknown): string | null => {
  if (typeof t === 'number') return new Date(t).toISOString();
  if (typeof t !== 'string') return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};

type Impinj = Static<typeof ImpinjTagInventory>;
type Zebra = Static<typeof ZebraTagData>;

function fromImpinj(e: Impinj): NormalisedRead {
  const t = e.tagInventoryEvent;
  // `epc` is base64 when the reader's epcHex output is disabled
  const epc = t.epcHex ?? (t.epc ? Buffer.from(t.epc, 'base64').toString('hex').toUpperCase() : '');
  return { epc, antenna: t.antennaPort ?? null, rssi: t.peakRssiCdbm === undefined ? null : t.peakRssiCdbm / 100, time: iso(e.timestamp) };
}
const fromZebra = (e: Zebra): NormalisedRead => ({ epc: e.data.idHex, antenna: e.data.antenna ?? null, rssi: e.data.peakRssi ?? null, time: iso(e.timestamp) });
const fromOwn = (r: Static<typeof TagRead> | Static<typeof TagReadBatch>['reads'][number]): NormalisedRead => ({
  epc: r.epc,
  antenna: r.antenna ?? null,
  rssi: r.rssi ?? null,
  time: iso(r.time),
});

/** A message that passed `TagReadsMessage` → its reads, in order. */
export function normaliseReads(m: TagReadsMessage): NormalisedRead[] {
  const one = (x: unknown): NormalisedRead => {
    const o = x as Record<string, unknown>;
    if (o.eventType === 'tagInventory') return fromImpinj(o as Impinj);
    if (o.type === 'SIMPLE') return fromZebra(o as Zebra);
    return fromOwn(o as Static<typeof TagRead>);
  };
  if (Array.isArray(m)) return m.map(one);
  if ('reads' in m) return m.reads.map(fromOwn);
  return [one(m)];
}
