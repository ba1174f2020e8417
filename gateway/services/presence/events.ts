import type { AdvertisementSource, Heard } from './channels.ts';
/** Presence, session and beacon-health events on the bus (and, through the outbox, to the cloud). */
export interface PresenceEntered {
  shopperId: string;
  zone: string;
  enteredAt: string;
  rssi: number;
  distanceM: number | null;
}
export interface PresenceMoved {
  shopperId: string;
  from: string;
  to: string;
  /** time spent in `from` */
  dwellMs: number;
  rssi: number;
  distanceM: number | null;
}
export interface PresenceDwell {
  shopperId: string;
  zone: string;
  dwellMs: number;
}
export interface PresenceExited {
  shopperId: string;
  zone: string;
  lastSeenAt: string;
  dwellMs: number;
}
export interface SessionVisit {
  zone: string;
  enteredAt: string;
  exitedAt: string | null;
  dwellMs: number | null;
}
export interface SessionData {
  sessionId: string;
  shopperId: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  visits: SessionVisit[];
}
export interface BeaconAlert {
  beaconId: string;
  role: string;
  zone: string | null;
  lastSeenAt: string | null;
  batteryMv: number | null;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    'presence.entered': PresenceEntered;
    'presence.moved': PresenceMoved;
    'presence.dwell': PresenceDwell;
    'presence.exited': PresenceExited;
    'presence.session.opened': SessionData;
    'presence.session.closed': SessionData;
    'beacon.missing': BeaconAlert;
    'beacon.battery_low': BeaconAlert;
    /** what scanners heard (local: never stored or forwarded; a phone's address is in it); `invalid`: bad items' reasons */
    'presence.advertisements.heard': { scannerId: string; source: AdvertisementSource; heard: Heard[]; invalid: string[] };
  }
}

export const PRESENCE_EVENT_TYPES = [
  'presence.entered',
  'presence.moved',
  'presence.dwell',
  'presence.exited',
  'presence.session.opened',
  'presence.session.closed',
  'beacon.missing',
  'beacon.battery_low',
] as const;
