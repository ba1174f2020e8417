import { encodeSgtin96 } from '../devices/rfid/sgtin-encode.ts';
import { RFID_CHANNELS, RFID_READER_KIND } from '../devices/rfid/topics.ts';
import { connectDevice, type DeviceClient } from './device-client.ts';
import { createRng, type Rng } from './rng.ts';

/** the sample catalog's GS1 company prefix (models/catalog.sample.*): 7 digits, so SGTIN-96 partition 5 */
export const SAMPLE_PREFIX_DIGITS = 7;

/** The SGTIN-96 EPC of one item (product × size, `serial`) of a catalog that has per-size GTINs. */
/** (a catalog product as the catalog file has it: simulators do not import the gateway) */
export function tagFor(
  p: { sku: string; sizes: ReadonlyArray<{ size: string; gtin?: string }> },
  size: string,
  serial: number,
  prefixDigits = SAMPLE_PREFIX_DIGITS,
): string {
  const gtin = p.sizes.find((s) => s.size === size)?.gtin;
  if (!gtin) throw new Error(`${p.sku} size ${size} has no GTIN in the catalog`);
  return encodeSgtin96({ gtin: gtin.padStart(14, '0'), prefixDigits, serial, filter: 1 });
}

export type ReaderFormat = 'storegate' | 'impinj' | 'zebra';

/**
 * A fitting room's UHF RFID reader as a real MQTT client with its own credentials. The tags in the room are read every
 * `intervalMs` (an inventory round), each by one or two of its antennas with a noisy RSSI, and published as one batch in
 * the chosen middleware's JSON: storegate's own, Impinj's IoT device interface, or Zebra's IoT connector.
 */
export function createRfidReaderSim(opts: {
  url: string;
  storeId: string;
  deviceId: string;
  secret: string;
  format?: ReaderFormat;
  antennas?: number;
  intervalMs?: number;
  rng?: Rng;
}) {
  const rng = opts.rng ?? createRng(opts.deviceId);
  const antennas = opts.antennas ?? 2;
  const inRoom = new Set<string>();
  let dev: DeviceClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let rounds = 0;

  const read = (epc: string) => ({ epc, antenna: rng.int(1, antennas), rssi: Math.round((-55 + rng.normal(4)) * 10) / 10, time: new Date().toISOString() });
  function payload(epcs: readonly string[]): unknown {
    // each tag answers one or two antennas per round: the gateway must count it once
    const reads = epcs.flatMap((e) => (rng.chance(0.5) ? [read(e), read(e)] : [read(e)]));
    if (opts.format === 'impinj')
      return reads.map((r) => ({
        timestamp: r.time,
        hostname: opts.deviceId,
        eventType: 'tagInventory',
        tagInventoryEvent: { epcHex: r.epc, antennaPort: r.antenna, peakRssiCdbm: Math.round(r.rssi * 100) },
      }));
    if (opts.format === 'zebra') return reads.map((r) => ({ type: 'SIMPLE', timestamp: r.time, data: { idHex: r.epc, antenna: r.antenna, peakRssi: r.rssi } }));
    return { reads };
  }
  const need = () => {
    if (!dev) throw new Error('reader not connected');
    return dev;
  };
  /** one inventory round now: the tags in the room (or `epcs`), as one message */
  const publish = async (epcs: readonly string[] = [...inRoom]) => {
    if (!epcs.length) return;
    rounds++;
    await need().publish(RFID_CHANNELS.reads, payload(epcs));
  };

  return {
    async connect() {
      dev = await connectDevice(
        { storeId: opts.storeId, kind: RFID_READER_KIND, id: opts.deviceId, secret: opts.secret },
        { url: opts.url, firmware: 'sim-uhf-reader-1.0.0' },
      );
      timer = setInterval(() => void publish().catch(() => {}), opts.intervalMs ?? 500);
    },
    /** a shopper carries tagged items in: read from the next round on (and at once) */
    async carryIn(...epcs: string[]) {
      for (const e of epcs) inRoom.add(e);
      await publish(epcs);
    },
    /** the items leave the room: no longer read */
    carryOut(...epcs: string[]) {
      for (const e of epcs) inRoom.delete(e);
    },
    inRoom: () => [...inRoom],
    /** a raw message on the reads channel (malformed input, other shapes) */
    send: (body: unknown) => need().publish(RFID_CHANNELS.reads, body),
    publish,
    rounds: () => rounds,
    async disconnect() {
      clearInterval(timer);
      await dev?.close();
    },
  };
}
export type RfidReaderSim = ReturnType<typeof createRfidReaderSim>;
