import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { embeddingsPathFor, loadCatalog } from '../../catalog.ts';
import type { RecognitionConfig } from './config.ts';
import { createRecognitionService } from './service.ts';

const PHOTO_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];

export interface EmbedReport {
  /** the sidecar written, or null when a photo failed (nothing is written then) */
  out: string | null;
  model: string;
  embedded: string[];
  /** products without a photo in the photos folder */
  missing: string[];
  failed: Array<{ sku: string; error: string }>;
  /** photos the model sees as another category than the product's: worth a look */
  otherCategory: Array<{ sku: string; category: string; seenAs: string }>;
}

/**
 * The body of `storegate catalog embed`: each product's photo (`<photos>/<sku>.png|jpg|jpeg|webp`) goes through
 * the same path as a mirror's camera frame (preprocess → the shipped model) and its `embedding` output is kept.
 * Written as the catalog's sidecar `{model, photos, embeddings: {sku: number[]}}`, one sku per line, which
 * the catalog loader merges by sku.
 */
export async function embedCatalogPhotos(opts: {
  catalogPath: string;
  photosDir?: string;
  outPath?: string;
  log: Logger;
  config?: Partial<RecognitionConfig>;
}): Promise<EmbedReport> {
  const photosDir = opts.photosDir ?? join(dirname(opts.catalogPath), 'catalog-photos');
  const outPath = opts.outPath ?? embeddingsPathFor(opts.catalogPath);
  const svc = createRecognitionService({ log: opts.log, metrics: new Registry(), config: { ...opts.config, catalogPath: '' } });
  await svc.start();
  const report: EmbedReport = { out: null, model: svc.status().modelId ?? '', embedded: [], missing: [], failed: [], otherCategory: [] };
  const embeddings: Array<[string, number[]]> = [];
  try {
    const catalog = await loadCatalog(opts.catalogPath, svc.status().labels);
    for (const p of catalog.products) {
      const photo = PHOTO_EXTENSIONS.map((ext) => join(photosDir, `${p.sku}${ext}`)).find((f) => existsSync(f));
      if (!photo) {
        report.missing.push(p.sku);
        continue;
      }
      try {
        const r = await svc.recognise(await readFile(photo), { embedding: true });
        if (!r.embedding?.length) throw new Error('the model has no embedding output');
        embeddings.push([p.sku, r.embedding.map((v) => Math.round(v * 1e5) / 1e5)]);
        report.embedded.push(p.sku);
        if (r.label !== p.category) report.otherCategory.push({ sku: p.sku, category: p.category, seenAs: r.label });
      } catch (err) {
        const e = err as Error & { code?: string };
        report.failed.push({ sku: p.sku, error: e.code ? `${e.code}: ${e.message}` : e.message });
      }
    }
  } finally {
    await svc.stop();
  }
  if (report.failed.length) return report;
  const rows = embeddings.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, e]) => `  ${JSON.stringify(sku)}: ${JSON.stringify(e)}`);
  const photos = relative(dirname(outPath), photosDir) || '.';
  const text = `{\n "model": ${JSON.stringify(report.model)},\n "photos": ${JSON.stringify(photos)},\n "embeddings": {\n${rows.join(',\n')}\n }\n}\n`;
  await writeFile(outPath, text);
  report.out = outPath;
  return report;
}
