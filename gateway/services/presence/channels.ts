import { parseOmgMessage, parseOmgTopic } from '../../../devices/ble/omg.ts';
import { type HeardAdvertisement, ScannerAdvMessage, toAdvertisement } from '../../../devices/ble/scanner-messages.ts';
import type { IBeacon } from '../../../devices/ble/types.ts';
import { type ChannelHandler, jsonChannel, type TopicMapper } from '../../ingest/ingest.ts';

export const SCANNER_KIND = 'ble-scanner';

export type AdvertisementSource = 'raw' | 'omg' | 'local';

/** One advertisement a scanner heard, ready for the presence engine (`decoded` when the scanner decoded it already). */
export interface Heard {
  adv: HeardAdvertisement;
  decoded?: IBeacon;
}

/**
 * Scanner messages become presence input here: a local bus event (`presence.advertisements.heard`), never
 * persisted or forwarded (hundreds a second, and a phone's address must not be stored); the presence events
 * they lead to are. Pure: `inZone` is the configured scanner → zone map.
 */
export function presenceChannels(inZone: (scannerId: string) => boolean): ChannelHandler[] {
  return [
    jsonChannel({
      kind: SCANNER_KIND,
      channel: 'adv',
      schema: ScannerAdvMessage,
      persist: false,
      toEvents(m, ctx) {
        if (!inZone(ctx.device.id)) return { reject: 'unknown_scanner' };
        const heard: Heard[] = [];
        const invalid: string[] = [];
        for (const a of 'advs' in m ? m.advs : [m]) {
          const r = toAdvertisement(a);
          if (r.ok) heard.push({ adv: r.value });
          else invalid.push(r.reason);
        }
        // each bad advertisement is counted; the message is rejected only when nothing in it was usable
        if (heard.length === 0 && invalid[0]) return { reject: invalid[0], items: invalid };
        return { events: [], local: [ctx.event('presence.advertisements.heard', { scannerId: ctx.device.id, source: 'raw', heard, invalid })] };
      },
    }),
    {
      kind: SCANNER_KIND,
      channel: 'omg',
      persist: false,
      // OpenMQTTGateway / Theengs JSON has many shapes: parseOmgMessage is its validator
      toEvents(body, ctx) {
        if (!inZone(ctx.device.id)) return { reject: 'unknown_scanner' };
        const r = parseOmgMessage(body);
        if (!r.ok) return { reject: r.reason };
        const heard: Heard = r.value.decoded ? { adv: r.value.adv, decoded: r.value.decoded } : { adv: r.value.adv };
        return { events: [], local: [ctx.event('presence.advertisements.heard', { scannerId: ctx.device.id, source: 'omg', heard: [heard], invalid: [] })] };
      },
    },
  ];
}

/** `home/<gateway>/BTtoMQTT/<mac>` belongs to the registered ble-scanner named `<gateway>`. */
export const omgTopicMapper: { mapper: TopicMapper; subscribe: string; deviceTopics: (d: { id: string; kind: string }) => string[] } = {
  mapper: (topic) => {
    const t = parseOmgTopic(topic);
    return t ? { deviceId: t.gateway, channel: 'omg', kind: SCANNER_KIND } : null;
  },
  subscribe: 'home/+/BTtoMQTT/+',
  // what an external broker must let the scanner publish (provisioning)
  deviceTopics: (d) => (d.kind === SCANNER_KIND ? [`home/${d.id}/BTtoMQTT/+`] : []),
};
