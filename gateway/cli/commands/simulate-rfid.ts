import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRfidReaderSim, type ReaderFormat, tagFor } from '../../../simulators/rfid-reader.ts';
import { createRng } from '../../../simulators/rng.ts';
import { loadCatalogSync } from '../../catalog.ts';
import { MODELS_DIR } from '../../paths.ts';

export interface RfidSimOpts {
  id: string;
  secret: string;
  url: string;
  store: string;
  seed: string;
  interval: string;
  wire: string;
  items?: string;
  catalog?: string;
  stay: string;
  carry?: string;
}

/**
 * `storegate simulate rfid --id <reader> --secret …`: a fitting room's UHF reader. A shopper carries a tagged item
 * in every `--interval` s (`--items SKU:SIZE,…`, else random items of the catalog that have GTINs); the reader reads
 * it each inventory round from one or two antennas until it leaves `--stay` s later. `--carry n`: n items, then exit.
 */
export async function runRfidSim(o: RfidSimOpts, say: (s: string) => void): Promise<() => Promise<void>> {
  const wire = o.wire as ReaderFormat;
  if (!['storegate', 'impinj', 'zebra'].includes(wire)) throw new Error(`--wire must be storegate, impinj or zebra (got "${o.wire}")`);
  const labels = JSON.parse(readFileSync(join(MODELS_DIR, 'labels.json'), 'utf8')) as string[];
  const catalog = loadCatalogSync(o.catalog ?? join(MODELS_DIR, 'catalog.sample.json'), labels);
  const rng = createRng(Number(o.seed) || 1);
  const tagged = catalog.products.flatMap((p) => p.sizes.filter((s) => s.gtin).map((s) => ({ p, size: s.size })));
  if (!tagged.length) throw new Error('the catalog has no per-size GTINs: nothing to tag');
  const wanted = o.items
    ? o.items.split(',').map((x) => {
        const [sku, size] = x.split(':');
        const p = catalog.products.find((q) => q.sku === sku);
        if (!p || !size) throw new Error(`--items: "${x}" is not SKU:SIZE of the catalog`);
        return { p, size };
      })
    : null;
  const sim = createRfidReaderSim({ url: o.url, storeId: o.store, deviceId: o.id, secret: o.secret, format: wire, rng: rng.fork('radio') });
  await sim.connect();
  const limit = o.carry ? Number.parseInt(o.carry, 10) : Number.POSITIVE_INFINITY;
  say(`rfid-reader ${o.id} (${wire} JSON) connected; a shopper carries a tagged item in every ${o.interval} s, out ${o.stay} s later`);
  let n = 0;
  const timers = new Set<NodeJS.Timeout>();
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const carry = async () => {
    const pick = wanted ? wanted[n % wanted.length] : rng.pick(tagged);
    if (!pick) return;
    const epc = tagFor(pick.p, pick.size, 100_000 + n++);
    await sim.carryIn(epc);
    say(`in:  ${pick.p.sku} ${pick.p.name} size ${pick.size} (EPC ${epc})`);
    const out = setTimeout(() => {
      timers.delete(out);
      sim.carryOut(epc);
      say(`out: ${pick.p.sku} size ${pick.size}`);
      if (n >= limit && !sim.inRoom().length) done();
    }, Number(o.stay) * 1000);
    timers.add(out);
  };
  await carry();
  const every = setInterval(() => {
    if (n >= limit) return clearInterval(every);
    void carry().catch((err) => say(`read failed: ${(err as Error).message}`));
  }, Number(o.interval) * 1000);
  const close = async () => {
    clearInterval(every);
    for (const t of timers) clearTimeout(t);
    await sim.disconnect();
  };
  if (Number.isFinite(limit)) {
    await finished;
    await close();
  }
  return close;
}
