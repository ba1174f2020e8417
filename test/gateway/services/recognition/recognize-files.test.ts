import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { recognizeFiles } from '../../../../gateway/services/recognition/recognize-files.ts';
import { cameraJpeg, loadT10kSubset } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'sg-recognize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recognize <files…>', () => {
  it('prints one JSON line per file, an error line for a bad file, a summary, and exits 0', async () => {
    const boot = join(dir, 'boot.jpg');
    writeFileSync(boot, await cameraJpeg(loadT10kSubset().images[0]!, 5));
    const fake = join(dir, 'notes.jpg');
    writeFileSync(fake, 'not an image');
    const lines: string[] = [];
    const res = await recognizeFiles([boot, fake, join(dir, 'missing.jpg')], { json: true, log: pino({ level: 'silent' }), write: (l) => lines.push(l) });
    expect(res).toEqual({ exitCode: 0, ok: 1, failed: 2 });
    const [a, b, c, summary] = lines.map((l) => JSON.parse(l));
    expect(a).toMatchObject({ file: boot, label: 'Ankle boot', labelIndex: 9, model: expect.stringMatching(/^product-cnn-/) });
    expect(a.top[0]).toMatchObject({ label: 'Ankle boot', score: a.score });
    expect(b).toEqual({ file: fake, error: expect.stringMatching(/^SG_IMAGE_INVALID/) });
    expect(c.error).toMatch(/ENOENT/);
    expect(summary.summary).toMatchObject({ files: 3, recognised: 1, failed: 2 });
  });
});
