import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readCatalogSync, summariseCatalog } from '../../catalog.ts';
import { loadConfig } from '../../config/load.ts';
import { silentLogger } from '../../log.ts';
import { embedCatalogPhotos, modelIdOf } from '../../services/recognition/index.ts';

type Common = { config?: string; json?: boolean };

const configOf = (o: Common) => loadConfig(o.config ? { file: o.config } : {});
const list = (xs: string[], none = 'none') => (xs.length ? xs.join(', ') : none);

export function registerCatalog(program: Command) {
  const catalog = program.command('catalog').description('the store catalog (JSON or CSV): check a file, compute product embeddings from photos');
  catalog
    .command('check')
    .description('validate a catalog file and print a summary (products, categories, styles, embeddings); exit 1 when invalid')
    .argument('[path]', 'catalog .json or .csv (default: fitting.catalogPath from the config)')
    .option('-c, --config <file>', 'config file (for the default path and the model labels)')
    .option('--json', 'print the summary as JSON')
    .action((path: string | undefined, o: Common) => {
      const config = configOf(o);
      const file = path ?? config.fitting.catalogPath;
      const labels = JSON.parse(readFileSync(config.recognition.labelsPath, 'utf8')) as string[];
      // an invalid file throws: the CLI prints the message (file, line or product, column) and exits 1
      const summary = summariseCatalog(readCatalogSync(file, labels));
      const warnings: string[] = [];
      const model = modelIdOf(readFileSync(config.recognition.modelPath));
      const e = summary.embeddings;
      if (e.missing.length) warnings.push(`no embedding for ${list(e.missing)}: those are ranked by stock only in "similar" (storegate catalog embed)`);
      if (e.model && e.model !== model) warnings.push(`embeddings were computed by ${e.model} but the model is ${model}: run storegate catalog embed`);
      if (e.orphans.length) warnings.push(`${e.from} has embeddings for skus not in the catalog: ${list(e.orphans)}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ file, ok: true, ...summary, warnings }, null, 2)}\n`);
        return;
      }
      const lines = [
        `${file}: ok`,
        `products: ${summary.products} (${summary.sizes.total} sizes, ${summary.sizes.inStock} in stock)`,
        `categories: ${Object.keys(summary.categories).length} (${Object.entries(summary.categories)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')})`,
        `styles with colours: ${Object.keys(summary.styles).length} (${list(Object.entries(summary.styles).map(([s, skus]) => `${s}: ${skus.join(' ')}`))})`,
        `embeddings: ${e.present} of ${summary.products}${e.from ? ` (from ${e.from}, ${e.model})` : ''}; missing: ${list(e.missing)}`,
        ...warnings.map((w) => `warning: ${w}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  catalog
    .command('embed')
    .description("compute each product's embedding from its photo with the shipped model (same path as camera frames) and write the sidecar")
    .option('--catalog <path>', 'catalog .json or .csv (default: fitting.catalogPath from the config)')
    .option('--photos <dir>', 'photos named <sku>.png|jpg|jpeg|webp (default: catalog-photos/ next to the catalog)')
    .option('--out <path>', 'where to write (default: <catalog stem>.embeddings.json next to the catalog, which the loader merges)')
    .option('-c, --config <file>', 'config file (model and labels paths)')
    .option('--json', 'print the report as JSON')
    .action(async (o: Common & { catalog?: string; photos?: string; out?: string }) => {
      const config = configOf(o);
      const r = await embedCatalogPhotos({
        catalogPath: o.catalog ?? config.fitting.catalogPath,
        ...(o.photos ? { photosDir: o.photos } : {}),
        ...(o.out ? { outPath: o.out } : {}),
        log: silentLogger,
        config: config.recognition,
      });
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const lines = [
          r.out ? `wrote ${r.embedded.length} embeddings (${r.model}) to ${r.out}` : `nothing written: ${r.failed.length} photo(s) failed`,
          ...r.failed.map((f) => `error: ${f.sku}: ${f.error}`),
          ...(r.missing.length ? [`warning: no photo for ${list(r.missing)}`] : []),
          ...r.otherCategory.map((x) => `warning: ${x.sku} is a ${x.category} but its photo looks like a ${x.seenAs}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = r.failed.length ? 1 : 0;
    });
}
