/**
 * Tests run the real `storegate` CLI (bin/storegate.js → dist/), so dist/ is rebuilt from the current sources before
 * every run, whether it was started by `npm test` or by `npx vitest run <file>`: a test never runs a stale build.
 */
import { buildDist } from '../scripts/build.js';

export default async function setup() {
  await buildDist({ quiet: true });
}
