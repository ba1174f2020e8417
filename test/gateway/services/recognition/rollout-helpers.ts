import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { signedModelMessage, sha256Hex } from '../../../../gateway/services/recognition/index.ts';
import { freePort } from '../../../helpers/mosquitto.ts';
import { ADMIN_TOKEN, nextEvent, STAFF_TOKEN, startGateway, type TestGateway } from '../../../helpers/gateway.ts';
import { cameraJpeg, loadT10kSubset } from './fixtures.ts';

const MODELS = fileURLToPath(new URL('../../../../models/', import.meta.url));
const FIXTURE_MODELS = fileURLToPath(new URL('../../../fixtures/models/', import.meta.url));
export const LABELS = JSON.parse(readFileSync(`${MODELS}labels.json`, 'utf8')) as string[];
export const SHIPPED = readFileSync(`${MODELS}product-cnn.onnx`);
/** a nearest-centroid model: confident, and often of another opinion than the CNN */
export const CENTROID = readFileSync(`${FIXTURE_MODELS}centroid-linear.onnx`);
/** the same classifier, unsure of every frame */
export const CENTROID_UNSURE = readFileSync(`${FIXTURE_MODELS}centroid-linear-unsure.onnx`);
/** loads and passes onnxruntime's check at install, then fails at runtime on every real frame */
export const CENTROID_FAILING = readFileSync(`${FIXTURE_MODELS}centroid-linear-failing.onnx`);
/**
 * The shipped model with one more doc_string field (ModelProto field 6) appended: protobuf keeps the last value of
 * a repeated singular field, so onnxruntime runs the very same weights under another sha256. Sameness is the point.
 */
export const SHIPPED_TWIN = Buffer.concat([SHIPPED, Buffer.from([0x32, 4]), Buffer.from('twin')]);

export const signingKeys = () => generateKeyPairSync('ed25519');
export const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
export const signFor = (key: KeyObject, version: string, sha256: string, labels: string[]) =>
  sign(null, signedModelMessage(version, sha256, labels), key).toString('base64');

/**
 * A model server (node:http) with Range support. `cutFirst`: the first full transfer of a path sends half the
 * bytes and then destroys the socket, as a flaky store uplink would.
 */
export async function modelServer(files: Record<string, Buffer>, opts: { cutFirst?: boolean } = {}) {
  const requests: Array<{ path: string; range: string | undefined; status: number }> = [];
  const cut = new Set<string>();
  const server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = files[path];
    if (!body) {
      requests.push({ path, range: req.headers.range, status: 404 });
      return res.writeHead(404).end();
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m ? Number(m[1]) : 0;
    if (from >= body.length) {
      requests.push({ path, range: req.headers.range, status: 416 });
      return res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    }
    const status = m ? 206 : 200;
    requests.push({ path, range: req.headers.range, status });
    res.writeHead(status, {
      'content-type': 'application/octet-stream',
      'content-length': body.length - from,
      'accept-ranges': 'bytes',
      ...(m ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    if (opts.cutFirst && !m && !cut.has(path)) {
      cut.add(path);
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    res.end(body.subarray(from));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, requests };
}

export function announcement(key: KeyObject, url: string, bytes: Buffer, version: string, labels = LABELS) {
  const sha256 = sha256Hex(bytes);
  return { version, url, sha256, labels, signature: signFor(key, version, sha256, labels) };
}

/** A gateway with the model loaded at start, a pinned signing key, and a forwarder (dead port) so the outbox keeps events. */
export async function rolloutGateway(opts: {
  publicKey?: string | undefined;
  rollout?: Record<string, unknown>;
  dataDir?: string;
  keep?: boolean;
  overrides?: Record<string, unknown>;
}) {
  const dead = await freePort();
  return startGateway({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.keep ? { keep: true } : {}),
    overrides: {
      'recognition.load': 'start',
      'recognition.rollout': { ...(opts.publicKey ? { publicKey: opts.publicKey } : {}), retryDelayMs: 0, reportEveryFrames: 10, ...opts.rollout },
      'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${dead}/e` }],
      ...opts.overrides,
    },
  });
}

/** Emits `model.announced` the way the downlink does, and resolves with the shadowed or refused event. */
export async function announce(gw: TestGateway, data: unknown, timeoutMs = 20_000) {
  const shadowed = nextEvent(gw, 'recognition.model.shadowed', () => true, timeoutMs);
  const refused = nextEvent(gw, 'recognition.model.refused', () => true, timeoutMs);
  shadowed.catch(() => {});
  refused.catch(() => {});
  gw.bus.emit(gw.bus.make('model.announced', 'test/downlink', data as never));
  return Promise.race([shadowed, refused]);
}

let t10k: ReturnType<typeof loadT10kSubset> | undefined;
const frames = new Map<number, Buffer>();
/** camera-like JPEGs of committed t10k items */
export async function frame(i: number) {
  t10k ??= loadT10kSubset();
  let f = frames.get(i);
  if (!f) {
    f = await cameraJpeg(t10k.images[i]!, i + 3);
    frames.set(i, f);
  }
  return f;
}

export async function recognise(gw: TestGateway, bytes: Buffer) {
  const res = await fetch(`http://127.0.0.1:${gw.ports.http}/api/v1/recognition`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${STAFF_TOKEN}` },
    body: new Uint8Array(bytes),
  });
  return {
    status: res.status,
    body: (await res.json()) as { label: string; modelId: string; modelSha256: string; modelVersion: string | null; unsure: boolean },
  };
}

type Slot = { id: string; sha256: string; version: string | null; origin: string } | null;
export type AdminBody = { live: Slot; shadow: Slot; previous: Slot; history: Array<{ action: string }>; [k: string]: unknown };

export async function admin(gw: TestGateway, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${gw.ports.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as AdminBody };
}

export const outboxTypes = async (gw: TestGateway) =>
  (await gw.db.all<{ type: string; body: string }>('SELECT type, body FROM outbox_events ORDER BY seq')).filter((r) => r.type.includes('recognition.'));
