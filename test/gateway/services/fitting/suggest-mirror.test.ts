import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecognitionService } from '../../../../gateway/services/recognition/index.ts';
import { until } from '../../../helpers/gateway.ts';
import { fittingRig, frameOf } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'sg-suggest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** t10k #85: a T-shirt the model is sure about, closest to the photo of the organic crew tee (SG-0001) */
const TEE = 85;

describe('suggestions on the mirror (sample catalog, shipped model)', () => {
  it('shows the held-up tee in its other colours that are in store, and records them as shown (kind colour)', async () => {
    const { gw, mirror } = await fittingRig();
    await mirror.sendFrame(await frameOf(TEE));
    const r = await mirror.nextCommand('recognised');
    expect(r.item).toMatchObject({ sku: 'SG-0001', name: 'Organic crew tee', colour: 'white' });
    // SG-0005 (sage) is the same tee with no stock: not offered
    expect(r.suggestions.colours).toEqual([
      {
        sku: 'SG-0004',
        name: 'Organic crew tee',
        category: 'T-shirt/top',
        colour: 'black',
        reason: 'also in black',
        why: { key: 'colour', arg: 'black' },
        inStock: ['XS', 'M', 'L'],
      },
    ]);
    expect(r.suggestions.similar.map((s) => s.sku)).not.toContain('SG-0004');
    const shown = await until(
      async () => {
        const rows = await gw.db.all<{ sku: string; kind: string }>('SELECT sku, kind FROM fitting_suggestions WHERE session_id = ? ORDER BY sku', [
          r.sessionId,
        ]);
        return rows.length ? rows : undefined;
      },
      5000,
      'suggestions recorded',
    );
    expect(shown).toContainEqual({ sku: 'SG-0004', kind: 'colour' });
  });

  it("ranks similar items by the held-up item's embedding (from the frame), not only the catalog's", async () => {
    // a catalog built around the frame's real embedding f: A (recognised, closest to f), B close to A but far from f,
    // C close to f but less close to A. By A's own embedding B comes first; by the frame's, C does.
    const frame = await frameOf(TEE);
    const svc = createRecognitionService({ log: pino({ level: 'silent' }), metrics: new Registry(), config: { catalogPath: '' } });
    await svc.start();
    const f = (await svc.recognise(frame, { embedding: true })).embedding!;
    await svc.stop();
    const norm = Math.hypot(...f);
    const u = f.map((_, i) => (i === 0 ? 1 : 0) - (f[0]! * f[i]!) / norm ** 2); // ⟂ f
    const scale = norm / Math.hypot(...u);
    const mix = (a: number, b: number) => f.map((x, i) => a * x + b * u[i]! * scale);
    const tee = (sku: string, embedding: number[]) => ({
      sku,
      name: `Tee ${sku}`,
      category: 'T-shirt/top',
      colour: 'white',
      sizes: [{ size: 'M', stock: 1 }],
      embedding,
    });
    const path = join(dir, 'frame-ranked.json');
    writeFileSync(path, JSON.stringify({ version: 1, products: [tee('T-A', mix(1, 0.5)), tee('T-B', mix(0, 1)), tee('T-C', mix(1, -1))] }));

    const { mirror } = await fittingRig({ overrides: { 'fitting.catalogPath': path, 'recognition.catalogPath': path } });
    await mirror.sendFrame(frame);
    const r = await mirror.nextCommand('recognised');
    expect(r.item?.sku).toBe('T-A');
    expect(r.suggestions.similar.map((s) => s.sku)).toEqual(['T-C', 'T-B']);
    // a pick has no frame: the product's own embedding ranks
    await mirror.interact({ type: 'pick', productId: 'T-A' });
    const picked = await mirror.nextCommand('recognised', (c) => c.via === 'pick');
    expect(picked.suggestions.similar.map((s) => s.sku)).toEqual(['T-B', 'T-C']);
  });
});
