import { parseOmgMessage, parseOmgTopic } from '../../../devices/ble/omg.ts';
import { type ScannerAdv, ScannerAdvMessage, type HeardAdvertisement, toAdvertisement } from '../../../devices/ble/scanner-messages.ts';
import type { IBeacon } from '../../../devices/ble/types.ts';
import type { ChannelHandler, TopicMapper } from '../../ingest/ingest.ts';

export const SCANNER_KIND = 'ble-scanner';

export type AdvertisementSource = 'raw' | 'omg' | 'local';

/** What the channels hand the presence service: one heard advertisement, or a reason to reject it. */
export type AdvertisementSink = (scannerId: string, adv: HeardAdvertisement, source: AdvertisementSource, decoded?: IBeacon) => string | null;

/**
 * Scanner messages become presence input here. Advertisements are not persisted as device events (hundreds
 * a second, and a phone's address must not be stored); the presence events they lead to are.
 */
export function presenceChannels(sink: AdvertisementSink, countRejected: (reason: string) => void): ChannelHandler[] {
  return [
    {
      kind: SCANNER_KIND,
      channel: 'adv',
      schema: ScannerAdvMessage,
      persist: false,
      toEvents(body, ctx) {
        const advs: ScannerAdv[] = 'advs' in (body as object) ? (body as { advs: ScannerAdv[] }).advs : [body as ScannerAdv];
        let accepted = 0;
        let firstReason: string | null = null;
        for (const a of advs) {
          const r = toAdvertisement(a);
          const reason = r.ok ? sink(ctx.device.id, r.value, 'raw') : r.reason;
          if (reason === null) accepted++;
          else {
            firstReason ??= reason;
            // each bad advertisement is counted; the message is rejected only when nothing in it was usable
            countRejected(reason);
          }
        }
        if (accepted === 0 && firstReason !== null) return { reject: firstReason };
        return { events: [] };
      },
    },
    {
      kind: SCANNER_KIND,
      channel: 'omg',
      persist: false,
      toEvents(body, ctx) {
        const r = parseOmgMessage(body);
        const reason = r.ok ? sink(ctx.device.id, r.value.adv, 'omg', r.value.decoded) : r.reason;
        if (reason === null) return { events: [] };
        countRejected(reason);
        return { reject: reason };
      },
    },
  ];
}

/** `home/<gateway>/BTtoMQTT/<mac>` belongs to the registered ble-scanner named `<gateway>`. */
export const omgTopicMapper: { mapper: TopicMapper; subscribe: string } = {
  mapper: (topic) => {
    const t = parseOmgTopic(topic);
    return t ? { deviceId: t.gateway, channel: 'omg', kind: SCANNER_KIND } : null;
  },
  subscribe: 'home/+/BTtoMQTT/+',
};
