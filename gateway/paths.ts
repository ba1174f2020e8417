import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The package's root (the folder holding package.json). Assets (the model, the sample catalog, the dashboard's
 * client files) are read from there, so the same code finds them when it runs from the TypeScript sources and
 * when it runs bundled from dist/.
 */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`storegate: no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = packageRoot(import.meta.dirname);
/** models/ with a trailing slash, as the config defaults spell paths */
export const MODELS_DIR = `${join(PACKAGE_ROOT, 'models')}/`;
