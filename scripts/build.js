#!/usr/bin/env node
/**
 * `npm run build`: bundles the CLI (gateway, devices, simulators) into dist/ with esbuild, so `storegate` runs plain
 * JavaScript with no TypeScript loader. Dependencies stay external (node_modules); dynamic imports become their own
 * chunks, loaded only when used. Type checking is `npm run lint` (tsc --noEmit), not this.
 *
 * Safe while other processes run from dist/ (tests, a demo in another shell): a file is replaced only when its
 * content changed, atomically (write beside, then rename), and chunks of older builds are removed only after an hour.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
/**
 * Loaded from node_modules at run time, not bundled: native addons, packages that find their own files at run time
 * (pino's transport worker, swagger-ui's static assets, uplot's browser files), and tools. Everything else (fastify,
 * aedes, typebox, prom-client…) is bundled: resolving and compiling ~900 module files one by one was the larger part
 * of the cold start, and a bundled CommonJS module is still evaluated only when first required.
 */
const EXTERNAL = [
  'sqlite3',
  'sharp',
  'onnxruntime-node',
  '@abandonware/noble',
  'pino',
  // fastify's schema compilers (ajv, fast-json-stringify), required when a route's schema is first compiled
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  'pino-pretty',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  'uplot',
  'yaml',
];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const external = [...EXTERNAL, ...Object.keys(pkg.devDependencies)].flatMap((name) => [name, `${name}/*`]);
/** bundled CommonJS calls require() for Node built-ins; an ESM chunk has none unless it makes one */
const banner = "import { createRequire as __storegateRequire } from 'node:module';\nconst require = __storegateRequire(import.meta.url);";

export async function buildDist({ quiet = false } = {}) {
  const t0 = performance.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'gateway/cli/index.ts' },
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    legalComments: 'none',
    // a third less code for V8 to scan at every start; names are kept (stack traces, error names), lines via the map
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: banner },
    logLevel: 'warning',
    write: false,
  });
  const written = new Set();
  let changed = 0;
  for (const f of result.outputFiles) {
    written.add(f.path);
    let old;
    try {
      old = readFileSync(f.path);
    } catch {}
    if (old && Buffer.compare(old, f.contents) === 0) continue;
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
    changed++;
  }
  const hourAgo = Date.now() - 3600_000;
  for (const file of walk(DIST)) {
    if (written.has(file)) continue;
    if (statSync(file).mtimeMs < hourAgo || file.endsWith('.tmp')) rmSync(file, { force: true });
  }
  if (!quiet) process.stderr.write(`build: dist/ (${changed} of ${written.size} files changed) in ${Math.round(performance.now() - t0)} ms\n`);
  return { changed, files: [...written].map((f) => relative(ROOT, f)) };
}

function* walk(dir) {
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // a dependencies-only install (the Dockerfile's cached `npm ci` layer) has no sources yet: nothing to build
  if (existsSync(join(ROOT, 'gateway', 'cli', 'index.ts'))) await buildDist();
  else process.stderr.write('build: no sources here (dependencies-only install), skipped\n');
}
