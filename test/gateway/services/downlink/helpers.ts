import { onTestFinished } from 'vitest';
import { createFakeClock } from '../../../../gateway/clock.ts';
import { createCloudSimulator, newSigningKey, serveFeed } from '../../../../simulators/cloud.ts';
import { ADMIN_TOKEN, addDevice, STAFF_TOKEN, startGateway, type TestGateway, until } from '../../../helpers/gateway.ts';
import { freePort } from '../../../helpers/mosquitto.ts';

/**
 * A gateway whose downlink pulls a real HTTP feed (node:http) served by the cloud simulator, on a fake clock: a pull
 * happens at start and then each time the test advances the clock by the interval.
 */
export async function downlinkRig(opts: { overrides?: Record<string, unknown>; purposes?: string[] } = {}) {
  const clock = createFakeClock(Date.now());
  const key = newSigningKey();
  const cloud = await createCloudSimulator({ storeId: 'store-1', keyId: 'hq-1', privateKey: key.privateKey, now: clock.now });
  let feed: readonly string[] = cloud.feed;
  const server = await serveFeed(() => feed, { token: 'feed-token-0123456789' });
  onTestFinished(() => server.close());
  const dead = await freePort();
  const gw = await startGateway({
    clock,
    overrides: {
      'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${dead}/e` }],
      'downlink.keys': [{ id: 'hq-1', publicKey: key.publicKeyPem, ...(opts.purposes ? { purposes: opts.purposes } : {}) }],
      'downlink.http': { url: server.url, token: 'feed-token-0123456789', intervalSeconds: 10 },
      'downlink.staleAfterSeconds': 600,
      ...opts.overrides,
    },
  });
  const api = async (method: string, url: string, body?: unknown, token = ADMIN_TOKEN) => {
    const res = await fetch(`http://127.0.0.1:${gw.ports.http}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  type Status = {
    streams: Array<{ stream: string; position: number; held: number }>;
    stock: { stale: boolean; asOf: string | null; ageSeconds: number | null };
    http: { lastPull: { at: string; ok: boolean; status: number | null } | null };
  };
  const status = async () => (await api('GET', '/api/v1/downlink')).body as unknown as Status;
  const position = async (stream: string) => (await status()).streams.find((s) => s.stream === stream)?.position ?? 0;
  /** one pull of the feed, finished (every message it brought handled) */
  const pull = async () => {
    clock.advance(10_000);
    const at = new Date(clock.now()).toISOString();
    await until(async () => (await status()).http.lastPull?.at === at, 10_000, 'the pull');
    await gw.work.flush();
  };
  const stockOf = async (sku: string) => {
    const r = await api('GET', `/api/v1/catalog/products/${sku}`, undefined, STAFF_TOKEN);
    return Object.fromEntries(((r.body.sizes ?? []) as Array<{ size: string; stock: number }>).map((s) => [s.size, s.stock]));
  };
  // the pull at start
  await until(async () => (await status()).http.lastPull !== null, 10_000, 'the first pull');
  return {
    gw: gw as TestGateway,
    clock,
    cloud,
    key,
    server,
    api,
    status,
    position,
    pull,
    stockOf,
    /** serve a different list than everything the simulator made (to leave gaps, replay, tamper) */
    setFeed(list: readonly string[]) {
      feed = list;
    },
    addMirror: () => addDevice(gw, 'mirror-1', 'mirror', 'fitting-1'),
  };
}
