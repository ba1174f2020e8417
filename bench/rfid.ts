/**
 * RFID: tag reads per second through the fitting room's reads channel as ingest runs it (JSON.parse, the compiled
 * TagReadsMessage check, normalising, SGTIN-96 decoding, GTIN → product and size in the sample catalog), in batches
 * of 20 reads as a reader's inventory round sends them; the reference is JSON.parse alone of the same messages, the
 * floor any ingest pays. Run alone with `npx tsx bench/rfid.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { TagReadsMessage } from '../devices/rfid/messages.ts';
import { encodeSgtin96 } from '../devices/rfid/sgtin-encode.ts';
import { loadCatalogSync } from '../gateway/catalog.ts';
import type { IngestContext } from '../gateway/ingest/ingest.ts';
import { rfidReadsChannel } from '../gateway/services/fitting/rfid-channel.ts';
import { type BenchRow, printTable } from './lib.ts';

const BATCH = 20;
const MODELS = join(import.meta.dirname, '..', 'models');

export async function run(): Promise<BenchRow[]> {
  const catalog = loadCatalogSync(join(MODELS, 'catalog.sample.json'), JSON.parse(readFileSync(join(MODELS, 'labels.json'), 'utf8')) as string[]);
  const gtins = catalog.products.flatMap((p) => p.sizes.flatMap((s) => (s.gtin ? [s.gtin] : [])));
  // 32 different messages so no one string is parsed from a warm cache
  const messages = Array.from({ length: 32 }, (_, m) =>
    JSON.stringify({
      reads: Array.from({ length: BATCH }, (_, i) => ({
        epc: encodeSgtin96({ gtin: gtins[(m * BATCH + i) % gtins.length] as string, prefixDigits: 7, serial: m * BATCH + i }),
        antenna: (i % 2) + 1,
        rssi: -55 + (i % 7),
        time: '2026-12-03T10:00:00.000Z',
      })),
    }),
  );
  const channel = rfidReadsChannel(catalog);
  const check = Compile(TagReadsMessage);
  const ctx = { device: { id: 'rfid-1', zone: 'fitting-1' }, event: (type: string, data: unknown) => ({ type, data }) } as unknown as IngestContext;
  const measure = (fn: (s: string) => void) => {
    for (let i = 0; i < 2000; i++) fn(messages[i % messages.length] as string); // warm up
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1500) for (let k = 0; k < 100; k++) fn(messages[n++ % messages.length] as string);
    return (n * BATCH) / ((performance.now() - t0) / 1000);
  };
  let refused = 0;
  const full = measure((s) => {
    const body = JSON.parse(s);
    if (!check.Check(body)) throw new Error('schema');
    const r = channel.toEvents(body, ctx);
    if ('reject' in r) refused++;
  });
  if (refused) throw new Error(`${refused} messages refused`);
  const parse = measure((s) => JSON.parse(s));
  return [
    {
      name: 'tag reads/s through the reads channel (pure)',
      value: full,
      unit: 'reads/s',
      reference: parse,
      note: `batches of ${BATCH}: JSON, schema, SGTIN-96, GTIN lookup; reference: JSON.parse alone; one core`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) printTable((await run()).map((r) => ({ ...r, area: 'rfid' })));
