import { presenceConfigFor, STORE_ZONES } from '../store-layout.ts';

/** The scenario's locker bank: four S, two M, one L, one XL on controller `lk-1`; the two S at the bottom are low ones. */
export const SCENARIO_BANK = {
  id: 'P',
  controllerId: 'lk-1',
  compartments: [
    { id: 'P1', size: 'S' },
    { id: 'P2', size: 'S' },
    { id: 'P3', size: 'M' },
    { id: 'P4', size: 'M' },
    { id: 'P5', size: 'L' },
    { id: 'P6', size: 'XL' },
    { id: 'P7', size: 'S', low: true },
    { id: 'P8', size: 'S', low: true },
  ],
};

/** The fitting room's smart mirror (one mirror, the `fitting-rooms` zone). */
export const SCENARIO_MIRROR = { id: 'mirror-1', zone: 'fitting-rooms' };

/** The fitting room's UHF RFID reader (same zone as the mirror): shoppers' tagged items are read there. */
export const SCENARIO_READER = { id: 'rfid-1', zone: 'fitting-rooms' };
/** a tag not read for this long (real seconds) has left the fitting room; the reader reads every 150 ms */
export const TAG_TIMEOUT_SECONDS = 0.8;

/** the scenario gateway alerts on a size request open longer than this (real seconds); staff are late once */
export const SIZE_REQUEST_ALERT_SECONDS = 4;

/** a locker door left open longer than this (real seconds) raises an alert */
export const DOOR_OPEN_ALERT_SECONDS = 3;

export const CLOUD_FORWARDER = 'scenario-cloud';

/** Shared with the scenario's "cloud": it derives pickup codes and signs return QRs, as the retailer's cloud would. */
export const SCENARIO_KEYS = { codeKey: 'scenario-code-key-0123456789', returnHmacKey: 'scenario-return-key-0123456789', courierCode: '27182818' };

/** the store's returns policy: cheap bulky home items may be kept (at most 2 per shopper in 90 days) */
export const SCENARIO_RETURNS = {
  hmacKey: SCENARIO_KEYS.returnHmacKey,
  incentive: { reasons: ['wrong_size'], offer: 'Swap it for another size: 10% off' },
  categories: ['pants', 'tops', 'dresses', 'outerwear', 'home'],
  reasons: ['wrong_size', 'damaged', 'not_as_described', 'changed_mind'],
  keepIt: { categories: ['home'], maxValue: 3000, sizes: ['L', 'XL'], maxPerShopper: 2, windowDays: 90 },
};

export const SCENARIO_DEVICES = [
  ...STORE_ZONES.map((z) => ({ id: z.scannerId, kind: 'ble-scanner', zone: z.name })),
  { id: 'lk-1', kind: 'locker', zone: 'click-and-collect' },
  { id: SCENARIO_MIRROR.id, kind: 'mirror', zone: SCENARIO_MIRROR.zone },
  { id: SCENARIO_READER.id, kind: 'rfid-reader', zone: SCENARIO_READER.zone },
];

/**
 * Config overrides for a gateway that plays the scenario: the scenario's floor, bank and cloud, with presence
 * and outbox timings in real seconds short enough for a day compressed ~240×.
 */
export function scenarioGatewayConfig(o: {
  cloudUrl: string;
  secrets: Record<string, string>;
  downlink?: { keyId: string; publicKeyPem: string; feedUrl: string };
}) {
  return {
    storeId: 'scenario',
    devices: SCENARIO_DEVICES.map((d) => ({ ...d, secret: o.secrets[d.id] })),
    presence: presenceConfigFor(STORE_ZONES, {
      switchMinSeconds: 1,
      scannerStaleSeconds: 2,
      absenceTimeoutSeconds: 2.5,
      sessionGraceSeconds: 0.5,
      beaconMissingSeconds: 4,
      dwellIntervalSeconds: 3600,
    }),
    lockers: {
      banks: [SCENARIO_BANK],
      codeKey: SCENARIO_KEYS.codeKey,
      doorOpenAlertSeconds: DOOR_OPEN_ALERT_SECONDS,
      returns: SCENARIO_RETURNS,
      couriers: [{ id: 'courier-1', code: SCENARIO_KEYS.courierCode }],
    },
    fitting: { sizeRequestAlertSeconds: SIZE_REQUEST_ALERT_SECONDS, rfid: { tagTimeoutSeconds: TAG_TIMEOUT_SECONDS } },
    // a cloud outage of a store hour is ~15 s real: alert after 2 s of it; nobody goes offline by heartbeat in a run
    health: { cloudDownAlertSeconds: 2, checkIntervalSeconds: 1, offlineAfterSeconds: 600 },
    // the cloud's stock and catalog, pulled every half second (stores with a cloud broker get it over MQTT)
    ...(o.downlink
      ? { downlink: { keys: [{ id: o.downlink.keyId, publicKey: o.downlink.publicKeyPem }], http: { url: o.downlink.feedUrl, intervalSeconds: 0.5 } } }
      : {}),
    cloud: {
      forwarders: [{ name: CLOUD_FORWARDER, kind: 'http', url: o.cloudUrl, timeoutSeconds: 3 }],
      backoff: { initialMs: 200, maxMs: 1000, jitter: 0.2, downAfterFailures: 3 },
      maintenanceSeconds: 1,
    },
  };
}
