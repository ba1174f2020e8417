import { STORE_ZONES } from '../../simulators/store-layout.ts';
import { addDevice, type TestGateway } from '../helpers/gateway.ts';

/** Presence tuned for tests in real time: placed after the 3 s settle, exits 2.5 s after the last advertisement. */
export const FAST_PRESENCE = { switchMinSeconds: 1, scannerStaleSeconds: 2, absenceTimeoutSeconds: 2.5, sessionGraceSeconds: 0.5, beaconMissingSeconds: 2.5 };

export async function addScanners(gw: TestGateway) {
  const secrets: Record<string, string> = {};
  for (const z of STORE_ZONES) secrets[z.scannerId] = await addDevice(gw, z.scannerId, 'ble-scanner', z.name);
  return secrets;
}

export const mqttUrlOf = (gw: TestGateway) => `mqtt://127.0.0.1:${gw.ports.mqtt}`;
export const httpUrlOf = (gw: TestGateway) => `http://127.0.0.1:${gw.ports.http}`;
