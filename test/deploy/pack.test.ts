import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayProcessEnv } from '../helpers/cli.ts';
import { STAFF_TOKEN, tempDir, until } from '../helpers/gateway.ts';
import { cameraJpeg, loadT10kSubset } from '../gateway/services/recognition/fixtures.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/**
 * What `npm pack` ships, run for real: the tarball is unpacked and its CLI started as a separate process, so a file the
 * package forgot (the model, the dashboard's assets, a chunk of dist/) fails here. The dependencies come from this
 * checkout's node_modules (a symlink), because installing them compiles sqlite3 for minutes: the full `npm install
 * <tarball>` in an empty folder is in `npm run test:deploy`.
 */
describe('the npm package', () => {
  const children: Array<ReturnType<typeof spawn>> = [];
  afterEach(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('packs the compiled CLI and its assets, not the TypeScript sources, and starts from the tarball serving /readyz', async () => {
    const dir = tempDir('storegate-pack-');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    for (const f of [
      'bin/storegate.js',
      'dist/cli.js',
      'models/product-cnn.onnx',
      'models/labels.json',
      'models/catalog.sample.json',
      'gateway/services/dashboard/client/app.js',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') && !f.startsWith('test/fixtures/fashion-mnist/t10k-first1000-'))).toEqual([]);

    await run('tar', ['-xzf', join(dir, info!.filename), '-C', dir]);
    const pkg = join(dir, 'package');
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    const cwd = join(dir, 'store');
    mkdirSync(cwd);
    const { env, ports } = await gatewayProcessEnv({ STOREGATE_STAFF_TOKEN: STAFF_TOKEN });
    const child = spawn(process.execPath, [join(pkg, 'bin', 'storegate.js'), 'start'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const base = `http://127.0.0.1:${ports.http}`;
    await until(async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok === true, 30_000, `/readyz of the packed CLI (output: ${output})`);
    // its data dir is the default ./data of where it runs; the dashboard's assets and the model came in the package
    expect(readdirSync(join(cwd, 'data'))).toContain('storegate.db');
    expect((await fetch(`${base}/dashboard/app.js`)).status).toBe(200);
    const frame = await cameraJpeg(loadT10kSubset().images[0]!, 9);
    const res = await fetch(`${base}/api/v1/recognition`, {
      method: 'POST',
      body: new Uint8Array(frame),
      headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${STAFF_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ label: 'Ankle boot' });
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
  });
});
