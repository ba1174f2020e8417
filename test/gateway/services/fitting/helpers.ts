import { onTestFinished } from 'vitest';
import { createMirrorSim } from '../../../../simulators/smart-mirror.ts';
import { freePort } from '../../../helpers/mosquitto.ts';
import { addDevice, STAFF_TOKEN, startGateway, type TestGateway } from '../../../helpers/gateway.ts';
import { cameraJpeg, loadT10kSubset } from '../recognition/fixtures.ts';

/** Fashion-MNIST test items the shipped model is sure about (index in the committed t10k subset). */
export const ITEMS = { dress: 91, trouser: 2, ankleBoot: 0, bag: 18 } as const;
/** an ambiguous coat (the model's first guess: Shirt): top-1 below the 0.6 unsure threshold */
export const UNSURE_ITEM = 17;

let t10k: ReturnType<typeof loadT10kSubset> | undefined;
export const frameOf = async (index: number) => {
  t10k ??= loadT10kSubset();
  return cameraJpeg(t10k.images[index]!, index + 1);
};

/** A gateway with one registered mirror (zone fitting-1) and a forwarder (dead port) so the outbox keeps events. */
export async function fittingRig(opts: { overrides?: Record<string, unknown>; mirrorId?: string } = {}) {
  const dead = await freePort();
  const gw = await startGateway({ overrides: { 'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${dead}/e` }], ...opts.overrides } });
  const id = opts.mirrorId ?? 'mirror-1';
  const secret = await addDevice(gw, id, 'mirror', 'fitting-1');
  const mirror = createMirrorSim({ url: `mqtt://127.0.0.1:${gw.ports.mqtt}`, storeId: gw.config.storeId, deviceId: id, secret });
  await mirror.connect();
  onTestFinished(() => mirror.disconnect());
  return { gw, mirror, secret };
}

export async function staffCall(gw: TestGateway, method: string, url: string, token = STAFF_TOKEN) {
  const res = await fetch(`http://127.0.0.1:${gw.ports.http}${url}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function postFrame(gw: TestGateway, mirrorId: string, secret: string | null, body: Buffer, type = 'image/jpeg') {
  const res = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/fitting/mirrors/${mirrorId}/frames`, {
    method: 'POST',
    headers: { 'content-type': type, ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
