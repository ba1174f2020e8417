import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine, embeddingsPathFor, loadCatalog } from '../../../../gateway/catalog.ts';
import { RECOGNITION_DEFAULTS } from '../../../../gateway/services/recognition/config.ts';
import { createRecognitionService, embedCatalogPhotos, type RecognitionService } from '../../../../gateway/services/recognition/index.ts';
import { cameraJpeg, loadT10kSubset } from './fixtures.ts';

const log = pino({ level: 'silent' });
const SAMPLE = RECOGNITION_DEFAULTS.catalogPath;
const PHOTOS = join(import.meta.dirname, '..', '..', '..', '..', 'models', 'catalog-photos');
const t10k = loadT10kSubset();
const dir = mkdtempSync(join(tmpdir(), 'sg-embed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('catalog embeddings from product photos (shipped model, Fashion-MNIST photos)', () => {
  let svc: RecognitionService;
  beforeAll(async () => {
    svc = createRecognitionService({ log, metrics: new Registry() });
    await svc.start();
  });
  afterAll(() => svc.stop());

  it('the committed sidecar is what the shipped model makes of the committed photos (not stale)', async () => {
    const out = join(dir, 'fresh.embeddings.json');
    const r = await embedCatalogPhotos({ catalogPath: SAMPLE, photosDir: PHOTOS, outPath: out, log });
    // the shipped model sees 26 of the 27 photos as their product's category; the shirt SG-0602's photo (a train
    // image: Shirt is the model's weakest class) it sees as a coat, which `embed` reports as a warning
    expect(r).toMatchObject({ out, missing: [], failed: [], otherCategory: [{ sku: 'SG-0602', category: 'Shirt', seenAs: 'Coat' }] });
    const fresh = JSON.parse(readFileSync(out, 'utf8')) as { model: string; embeddings: Record<string, number[]> };
    const committed = JSON.parse(readFileSync(embeddingsPathFor(SAMPLE), 'utf8')) as typeof fresh;
    expect(committed.model).toBe(svc.status().modelId);
    expect(Object.keys(committed.embeddings)).toEqual(Object.keys(fresh.embeddings));
    for (const [sku, e] of Object.entries(fresh.embeddings)) expect(cosine(e, committed.embeddings[sku]!)).toBeGreaterThan(0.9999);
  });

  it('reports a photo the model sees as another category (a warning) and still writes its embedding', async () => {
    // the pullover SG-0202 photographed with the trousers' photo by mistake
    const photos = join(dir, 'mixed-up-photos');
    mkdirSync(photos);
    for (const f of readdirSync(PHOTOS)) copyFileSync(join(PHOTOS, f), join(photos, f));
    copyFileSync(join(PHOTOS, 'SG-0101.png'), join(photos, 'SG-0202.png'));
    const out = join(dir, 'mixed.embeddings.json');
    const r = await embedCatalogPhotos({ catalogPath: SAMPLE, photosDir: photos, outPath: out, log });
    expect(r).toMatchObject({ out, missing: [], failed: [] });
    expect(r.otherCategory).toContainEqual({ sku: 'SG-0202', category: 'Pullover', seenAs: 'Trouser' });
    expect(Object.keys((JSON.parse(readFileSync(out, 'utf8')) as { embeddings: Record<string, number[]> }).embeddings)).toContain('SG-0202');
  });

  // t10k #31 is a backpack-like bag, #53 a tote-like one (test set: never used for the catalog photos)
  it.each([
    { index: 31, nearest: 'SG-0802' },
    { index: 53, nearest: 'SG-0801' },
  ])('a held-up test bag (t10k #$index, camera frame) ranks the catalog bag whose photo is closest first: $nearest', async ({ index, nearest }) => {
    const catalog = await loadCatalog(SAMPLE, svc.status().labels);
    const r = await svc.recognise(await cameraJpeg(t10k.images[index]!, index + 1), { embedding: true });
    expect(r.label).toBe('Bag');
    expect(r.embedding).toHaveLength(128);
    expect(r.products[0]!.sku).toBe(nearest);
    expect(r.products.map((p) => p.sku).sort()).toEqual(['SG-0801', 'SG-0802']);
    // the same order from the photos themselves, embedded now through the frame path
    const photoEmbedding = async (sku: string) => (await svc.recognise(readFileSync(join(PHOTOS, `${sku}.png`)), { embedding: true })).embedding!;
    const bags = catalog.products.filter((p) => p.category === 'Bag');
    const byPhoto = await Promise.all(bags.map(async (p) => ({ sku: p.sku, sim: cosine(r.embedding!, await photoEmbedding(p.sku)) })));
    expect(byPhoto.sort((a, b) => b.sim - a.sim)[0]!.sku).toBe(nearest);
    expect(r.products[0]!.similarity).toBeGreaterThan(r.products[1]!.similarity! + 0.1);
  });
});
