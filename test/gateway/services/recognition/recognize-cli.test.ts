import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { recognizeFiles } from '../../../../gateway/services/recognition/recognize-files.ts';
import { CLI } from '../../../helpers/cli.ts';
import { cameraJpeg, loadT10kSubset } from './fixtures.ts';

const LABELS = JSON.parse(readFileSync(new URL('../../../../models/labels.json', import.meta.url), 'utf8')) as string[];
const dir = mkdtempSync(join(tmpdir(), 'sg-recognize-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The variables onnxruntime reads to turn its telemetry off by itself: the test must not inherit them, or a CI run
// would hide the crash it guards against (the CLI has to turn telemetry off on its own).
const ORT_QUIET_VARS = [
  'CI',
  'TF_BUILD',
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'CIRCLECI',
  'TRAVIS',
  'JENKINS_URL',
  'CODEBUILD_BUILD_ID',
  'BUILDKITE',
  'TEAMCITY_VERSION',
  'APPVEYOR',
  'BITBUCKET_BUILD_NUMBER',
  'ORT_DISABLE_TELEMETRY',
];

function runRecognize(files: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !ORT_QUIET_VARS.includes(k) && !k.startsWith('STOREGATE_')));
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'recognize', '--json', ...files], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('storegate recognize over a long command line', () => {
  it('recognises 1,500 files given in one call (≈100 KB of arguments) and answers for every one, in order', { timeout: 180_000 }, async () => {
    const t10k = loadT10kSubset();
    const sources = await Promise.all(Array.from({ length: 20 }, (_, i) => cameraJpeg(t10k.images[i]!, i + 1)));
    // expected answers: the same bytes through the in-process path
    const srcDir = join(dir, 'sources');
    mkdirSync(srcDir);
    const srcFiles = sources.map((bytes, i) => {
      const f = join(srcDir, `${i}.jpg`);
      writeFileSync(f, bytes);
      return f;
    });
    const lines: string[] = [];
    await recognizeFiles(srcFiles, { json: true, log: pino({ level: 'silent' }), write: (l) => lines.push(l) });
    const expected = lines.slice(0, -1).map((l) => JSON.parse(l) as { label: string; score: number });
    expect(expected).toHaveLength(20);
    expect(expected.filter((e, i) => e.label === LABELS[t10k.labels[i]!]).length).toBeGreaterThanOrEqual(17);

    const frames = join(dir, 'mirror-frames-from-the-fitting-room-camera');
    mkdirSync(frames);
    const files = Array.from({ length: 1500 }, (_, i) => {
      const f = join(frames, `frame-${String(i).padStart(5, '0')}-of-source-${i % 20}.jpg`);
      writeFileSync(f, sources[i % 20]!);
      return f;
    });
    expect(files.join(' ').length).toBeGreaterThan(100_000);

    const r = await runRecognize(files);
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(1501);
    for (let i = 0; i < 1500; i++) {
      const want = expected[i % 20]!;
      expect(out[i]).toMatchObject({ file: files[i], label: want.label, score: want.score, model: expect.stringMatching(/^product-cnn-/) });
    }
    expect(out[1500].summary).toEqual({ files: 1500, recognised: 1500, failed: 0, model: out[0].model });
  });
});
