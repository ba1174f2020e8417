import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, gatewayProcessEnv, runCli } from '../helpers/cli.ts';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const dir = mkdtempSync(join(tmpdir(), 'sg-catalog-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = cleanEnv();

describe('storegate catalog', () => {
  it.each(['catalog.sample.json', 'catalog.sample.csv'])('check: %s is valid and summarised (exit 0)', async (name) => {
    const r = await runCli(['catalog', 'check', join(MODELS, name)], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${name}: ok`);
    expect(r.stdout).toMatch(/products: 27 /);
    expect(r.stdout).toMatch(/categories: 10 /);
    expect(r.stdout).toContain('wrap-midi-dress: SG-0301 SG-0303 SG-0304');
    expect(r.stdout).toContain('embeddings: 27 of 27');
    expect(r.stdout).not.toContain('warning');
  });

  it('check: a broken CSV exits 1 naming the file, line and column', async () => {
    const path = join(dir, 'broken.csv');
    writeFileSync(path, 'sku,name,category,colour,style,size,stock\nA-1,Tote,Bag,tan,,one,2\nA-2,Parka,Coat,olive,,M,-3\n');
    const r = await runCli(['catalog', 'check', path], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path} line 3: stock must be a non-negative integer`);
    expect(r.stdout).toBe('');
  });

  it('check --json: reports products without an embedding as a warning, not an error', async () => {
    const path = join(dir, 'plain.csv');
    writeFileSync(path, 'sku,name,category,colour,size,stock\nA-1,Tote,Bag,tan,one,2\n');
    const r = await runCli(['catalog', 'check', '--json', path], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, products: 1, categories: { Bag: 1 }, embeddings: { present: 0, missing: ['A-1'] } });
    expect(JSON.parse(r.stdout).warnings[0]).toContain('no embedding for A-1');
  });

  it.each([
    {
      why: 'a bad row',
      file: 'start.csv',
      text: 'sku,name,category,colour,size,stock\nA-1,Tote,Bag,tan,one,two\n',
      error: /fitting\.catalogPath: .*start\.csv line 2: stock must be a non-negative integer/,
    },
    {
      why: 'an unknown category',
      file: 'start.json',
      text: JSON.stringify({ version: 1, products: [{ sku: 'H-1', name: 'Cap', category: 'Hat', colour: '', sizes: [{ size: 'one', stock: 1 }] }] }),
      error: /fitting\.catalogPath: .*start\.json products\[0\]: unknown category "Hat"/,
    },
    { why: 'a missing file', file: 'missing.json', text: null, error: /fitting\.catalogPath: catalog .*missing\.json: cannot read it \(ENOENT\)/ },
  ])('start: the gateway refuses to start with a clear error for $why in the configured catalog', async ({ file, text, error }) => {
    const path = join(dir, file);
    if (text !== null) writeFileSync(path, text);
    const config = join(dir, `config-${file}.json`);
    writeFileSync(config, JSON.stringify({ dataDir: join(dir, `data-${file}`), fitting: { catalogPath: path } }));
    const { env: startEnv } = await gatewayProcessEnv();
    const r = await runCli(['start', '--config', config], { env: startEnv });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(error);
  });

  it('embed: writes the sidecar the loader merges (photos through the model), warns about products without a photo', async () => {
    const photos = join(dir, 'photos');
    mkdirSync(photos, { recursive: true });
    copyFileSync(join(MODELS, 'catalog-photos', 'SG-0801.png'), join(photos, 'A-1.png'));
    const path = join(dir, 'store.csv');
    writeFileSync(path, 'sku,name,category,colour,size,stock\nA-1,Tote,Bag,tan,one,2\nA-2,Parka,Coat,olive,M,1\n');
    const r = await runCli(['catalog', 'embed', '--catalog', path, '--photos', photos], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote 1 embeddings \(product-cnn-[0-9a-f]{12}\) to .*store\.embeddings\.json/);
    expect(r.stdout).toContain('warning: no photo for A-2');
    const side = JSON.parse(readFileSync(join(dir, 'store.embeddings.json'), 'utf8'));
    expect(side.embeddings['A-1']).toHaveLength(128);
    const check = await runCli(['catalog', 'check', path], { env });
    expect(check.stdout).toContain('embeddings: 1 of 2');
    expect(check.stdout).toContain('missing: A-2');
  });

  it('embed: a photo that is not an image fails the run (exit 1) and writes nothing', async () => {
    const photos = join(dir, 'bad-photos');
    mkdirSync(photos, { recursive: true });
    writeFileSync(join(photos, 'B-1.png'), 'not a png');
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({ version: 1, products: [{ sku: 'B-1', name: 'Tote', category: 'Bag', colour: '', sizes: [{ size: 'one', stock: 1 }] }] }),
    );
    const out = join(dir, 'bad-out.json');
    const r = await runCli(['catalog', 'embed', '--catalog', path, '--photos', photos, '--out', out], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error: B-1: SG_IMAGE_');
    expect(() => readFileSync(out)).toThrow();
  });
});
