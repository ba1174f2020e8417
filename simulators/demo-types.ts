import type { DeviceIdentity } from './device-client.ts';

export interface DemoDevice extends DeviceIdentity {
  zone?: string;
}

/**
 * The devices of the demo store, each a real MQTT client of the gateway. Richer per-kind simulators (scanner,
 * mirror, locker) register in DEMO_RUNNERS; any kind without one just sends heartbeats.
 */
export type DemoRunner = (
  dev: DemoDevice,
  ctx: { url: string; httpUrl: string; adminToken: string; staffToken?: string; all: DemoDevice[] },
) => Promise<{ close(): Promise<void> }>;
