import { normaliseReads, TagReadsMessage } from '../../../devices/rfid/messages.ts';
import { decodeSgtin96, type SgtinRefusal } from '../../../devices/rfid/sgtin.ts';
import { RFID_CHANNELS, RFID_READER_KIND } from '../../../devices/rfid/topics.ts';
import { type Catalog, gtinIndex } from '../../catalog.ts';
import { jsonChannel } from '../../ingest/ingest.ts';
import type { DecodedTagRead, TagsRead } from './events.ts';

/** SGTIN decoder refusals → the reasons counted and logged (one label per kind of fault, the detail says which) */
const REASON: Record<SgtinRefusal, string> = {
  not_hex: 'malformed_epc',
  wrong_length: 'malformed_epc',
  not_sgtin96: 'not_sgtin96',
  bad_partition: 'invalid_sgtin',
  prefix_out_of_range: 'invalid_sgtin',
  item_out_of_range: 'invalid_sgtin',
};

/**
 * The `rfid-reader` `reads` channel: pure. Each read's EPC is decoded (SGTIN-96) and its GTIN looked up in the catalog
 * (in memory); good reads become one local `fitting.tags.read`, bad ones are listed in it with their reason. A message
 * with no good read is refused as a whole (the ingest counts and logs it; the service counts each read's reason).
 * Not persisted: readers repeat every tag several times a second; the items the reads start and end are recorded.
 */
export function rfidReadsChannel(catalog: Catalog) {
  return jsonChannel({
    kind: RFID_READER_KIND,
    channel: RFID_CHANNELS.reads,
    schema: TagReadsMessage,
    persist: false,
    toEvents(m, ictx) {
      const index = gtinIndex(catalog);
      const reads: DecodedTagRead[] = [];
      const rejected: TagsRead['rejected'] = [];
      for (const r of normaliseReads(m)) {
        const d = decodeSgtin96(r.epc);
        const epc = r.epc.replace(/[\s-]/g, '').toUpperCase();
        if (!d.ok) {
          rejected.push({ epc: epc.slice(0, 64), reason: REASON[d.reason], detail: d.detail });
          continue;
        }
        const item = index.get(d.sgtin.gtin);
        if (!item) {
          rejected.push({ epc, reason: 'unknown_gtin', detail: `GTIN ${d.sgtin.gtin} is not in the catalog` });
          continue;
        }
        reads.push({ epc, gtin: d.sgtin.gtin, serial: d.sgtin.serial, sku: item.sku, size: item.size, antenna: r.antenna, rssi: r.rssi, time: r.time });
      }
      if (!reads.length) {
        const first = rejected[0] as TagsRead['rejected'][number];
        return {
          reject: first.reason,
          detail: `${first.epc}: ${first.detail}${rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : ''}`,
          items: rejected.map((x) => x.reason),
        };
      }
      return { events: [], local: [ictx.event('fitting.tags.read', { readerId: ictx.device.id, zone: ictx.device.zone, reads, rejected })] };
    },
  });
}
