import { onTestFinished } from 'vitest';
import { derivePickupCode } from '../../../../devices/locker/codes.ts';
import type { LockerCommand } from '../../../../devices/locker/messages.ts';
import type { Clock } from '../../../../gateway/clock.ts';
import { createLockerSim } from '../../../../simulators/locker.ts';
import { addDevice, nextEvent, STAFF_TOKEN, startGateway, type TestGateway } from '../../../helpers/gateway.ts';

export const CODE_KEY = 'test-locker-code-key-0123456789';
export const RETURN_KEY = 'test-return-hmac-key-0123456789';

/** Bank A on controller lk-01: two S, one M, one L, one XL (listed out of size order on purpose). */
export const BANK_A = {
  id: 'A',
  controllerId: 'lk-01',
  compartments: [
    { id: 'A1', size: 'L' },
    { id: 'A2', size: 'S' },
    { id: 'A3', size: 'M' },
    { id: 'A4', size: 'S' },
    { id: 'A5', size: 'XL' },
  ],
};

export function lockerOverrides(extra: Record<string, unknown> = {}) {
  return {
    'lockers.banks': [BANK_A],
    'lockers.codeKey': CODE_KEY,
    'lockers.returns': { hmacKey: RETURN_KEY, incentive: { reasons: ['wrong_size'], offer: 'Swap it for another size: 10% off' } },
    ...extra,
  };
}

/** A gateway with bank A; the controller lk-01 is registered unless its secret is passed (same data dir again). */
export async function lockerGateway(opts: { clock?: Clock; dataDir?: string; overrides?: Record<string, unknown>; secret?: string; keep?: boolean } = {}) {
  const gw = await startGateway({
    overrides: lockerOverrides(opts.overrides),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.keep ? { keep: true } : {}),
  });
  const secret = opts.secret ?? (await addDevice(gw, 'lk-01', 'locker', 'pickup-point'));
  return { gw, secret };
}

export const mqttUrl = (gw: TestGateway) => `mqtt://127.0.0.1:${gw.ports.mqtt}`;

/** A gateway with bank A plus its controller simulator connected and reconciled. */
export async function lockerRig(opts: Parameters<typeof lockerGateway>[0] = {}) {
  const { gw, secret } = await lockerGateway(opts);
  const sim = createLockerSim({
    url: mqttUrl(gw),
    storeId: gw.config.storeId,
    deviceId: 'lk-01',
    secret,
    compartments: BANK_A.compartments.map((c) => c.id),
  });
  onTestFinished(() => sim.disconnect());
  await connectSim(sim);
  return { gw, sim, secret };
}

/** Connects and waits until the gateway has reconciled the state the controller sends on connect. */
export async function connectSim(sim: ReturnType<typeof createLockerSim>, url?: string) {
  await sim.connect(url);
  await sim.nextCommand((c) => c.type === 'synced');
}

export const isOpen = (compartment: string) => (c: LockerCommand) => c.type === 'open' && c.compartment === compartment;
export const isKeypad = (result?: string) => (c: LockerCommand) => c.type === 'keypad' && (!result || c.result === result);

export async function staff(gw: TestGateway, method: string, url: string, body?: unknown, token = STAFF_TOKEN) {
  const res = await fetch(`http://127.0.0.1:${gw.ports.http}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { message?: string } };
}

/** Staff loads an order through the API; the simulated courier puts it in and closes the door. Returns the shopper's code. */
export async function loadOrder(gw: TestGateway, sim: ReturnType<typeof createLockerSim>, orderId: string, size = 'S') {
  const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId, size });
  if (res.status !== 201) throw new Error(`load failed: ${res.status} ${JSON.stringify(res.body)}`);
  const compartmentId = res.body.compartmentId as string;
  await sim.nextCommand(isOpen(compartmentId));
  const loaded = nextEvent(gw, 'locker.parcel.loaded', (e) => (e.data as { orderId: string }).orderId === orderId);
  await sim.close(compartmentId, true);
  const e = await loaded;
  const data = e.data as { codeNonce: string; parcelId: string };
  return { compartmentId, parcelId: data.parcelId, code: derivePickupCode(CODE_KEY, orderId, data.codeNonce), event: e };
}

export const compartment = async (gw: TestGateway, id: string) =>
  ((await staff(gw, 'GET', '/api/v1/lockers')).body.compartments as Array<Record<string, unknown>>).find((c) => c.id === id);
