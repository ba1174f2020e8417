import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { DownlinkEvent } from '../../../devices/downlink.ts';
import { createCloudSimulator, newSigningKey } from '../../../simulators/cloud.ts';
import { createRng } from '../../../simulators/rng.ts';
import { MODELS_DIR } from '../../paths.ts';

export interface CloudSimOpts {
  url: string;
  store: string;
  key?: string;
  keyId: string;
  keygen?: string;
  message?: string;
  sales?: string;
  rate: string;
  start?: string;
  seed: string;
}

/**
 * `storegate simulate cloud`: the cloud side of the downlink. `--keygen f` writes a signing key (PKCS#8 PEM, 0600)
 * and prints the public key to pin in `downlink.keys`; `--message '{"stream":…,"type":…,"data":…}'` signs and
 * publishes one message; `--sales n` sells n random items of the sample catalog at `--rate` per second.
 */
export async function runCloudSim(o: CloudSimOpts, say: (s: string) => void) {
  if (o.keygen) {
    const k = newSigningKey();
    writeFileSync(o.keygen, k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    say(`signing key written to ${o.keygen}; pin this public key in downlink.keys (id ${o.keyId}):\n${k.publicKeyPem}`);
    return;
  }
  if (!o.key) throw new Error('cloud needs --key <private key PEM> (make one with --keygen <file>)');
  const privateKey = createPrivateKey(readFileSync(o.key, 'utf8'));
  const start = Object.fromEntries(
    (o.start ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string])
      .map(([k, v]) => [k, Number(v)]),
  );
  const cloud = await createCloudSimulator({ storeId: o.store, keyId: o.keyId, privateKey, mqttUrl: o.url, start });
  say(
    `cloud simulator → ${o.url} as key ${o.keyId} (public ${createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64')})`,
  );
  try {
    if (o.message) {
      const m = JSON.parse(o.message) as { stream: string; type: string; data: unknown } & Partial<DownlinkEvent>;
      const { stream, type, data, ...extra } = m;
      await cloud.send(stream, type, data, extra);
      say(`sent ${type} on ${stream}`);
      return;
    }
    const n = Number(o.sales ?? 0);
    if (!n) throw new Error('cloud needs --message, --sales <n> or --keygen <file>');
    const catalog = JSON.parse(readFileSync(`${MODELS_DIR}catalog.sample.json`, 'utf8')) as {
      products: Array<{ sku: string; sizes: Array<{ size: string }> }>;
    };
    const items = catalog.products.flatMap((p) => p.sizes.map((s) => ({ sku: p.sku, size: s.size })));
    const rng = createRng(Number(o.seed));
    const gap = 1000 / Number(o.rate);
    for (let i = 0; i < n; i++) {
      const it = items[rng.int(0, items.length - 1)]!;
      await cloud.stock([{ sku: it.sku, size: it.size, reason: 'sale', quantity: 1 }]);
      say(`sale ${it.sku} ${it.size} (stock #${cloud.sequence('stock') - 1})`);
      await new Promise((r) => setTimeout(r, gap));
    }
  } finally {
    await cloud.close();
  }
}
