#!/usr/bin/env node
// The one entry point: the compiled CLI in dist/ (plain JavaScript, no TypeScript loader at run time).
// dist/ is built by `npm install` (prepare), before `npm test` (vitest's global setup) and by `npm run build`.
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli.js')) throw err;
  process.stderr.write('storegate: dist/ is not built; run `npm run build` (npm install does it)\n');
  process.exit(1);
}
await cli.main(process.argv);
