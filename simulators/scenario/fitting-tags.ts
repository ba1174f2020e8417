import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR } from '../../gateway/paths.ts';
import { type RfidReaderSim, tagFor } from '../rfid-reader.ts';
import type { MirrorSim } from '../smart-mirror.ts';

const CMD_MS = 10_000;
type SampleProduct = { sku: string; category: string; sizes: Array<{ size: string; stock: number; gtin?: string }> };
let sample: SampleProduct[] | undefined;
const products = () => (sample ??= (JSON.parse(readFileSync(join(MODELS_DIR, 'catalog.sample.json'), 'utf8')) as { products: SampleProduct[] }).products);
let serial = 1;

export interface TagOutcome {
  sku: string;
  size: string;
  /** the mirror showed it (via the tag, in its size) and ended it when it left */
  shown: boolean;
  ended: boolean;
  camera: string;
}

/**
 * The shopper carries in one more item, tagged: the same kind as the last one the camera saw (so camera and tag agree)
 * but a product not tried yet in this session (a tag takes over an item's row). The reader reads it, the mirror shows
 * it in its exact size; then it goes back out and the mirror ends it once the reader no longer reads it.
 */
export async function carryTaggedItem(mirror: MirrorSim, reader: RfidReaderSim, category: string, tried: ReadonlySet<string>): Promise<TagOutcome> {
  const untried = products().filter((p) => !tried.has(p.sku) && p.sizes.some((s) => s.gtin));
  const p = untried.find((x) => x.category === category) ?? untried[0];
  if (!p) throw new Error('no untried tagged item in the sample catalog');
  const size = (p.sizes.find((s) => s.stock > 0) ?? p.sizes[0])?.size as string;
  const epc = tagFor(p, size, serial++);
  await reader.carryIn(epc);
  const shown = await mirror.nextCommand('recognised', (c) => c.via === 'tag' && c.tag?.epc === epc, CMD_MS);
  reader.carryOut(epc);
  const ended = await mirror.nextCommand('item_ended', (c) => c.epc === epc, CMD_MS);
  return {
    sku: p.sku,
    size,
    shown: shown.item?.sku === p.sku && shown.size === size,
    ended: ended.reason === 'not_read',
    camera: shown.fusion?.camera ?? 'none',
  };
}
