import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function readSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * A secret the gateway keeps in its data dir (admin token, locker code key, pseudonym key): the file's
 * content if it has one, else `bytes` random bytes (base64url) written to it, readable by the owner only.
 * The file is created exclusively, so two processes starting at once end up with the same secret.
 */
export function readOrCreateSecretFile(file: string, opts: { bytes: number }): { value: string; generated: boolean } {
  const existing = readSecret(file);
  if (existing) return { value: existing, generated: false };
  mkdirSync(dirname(file), { recursive: true });
  const value = randomBytes(opts.bytes).toString('base64url');
  try {
    // an empty file holds no secret: it is replaced; otherwise never overwrite one another process just wrote
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: existing === '' ? 'w' : 'wx' });
  } catch (err) {
    const theirs = (err as NodeJS.ErrnoException).code === 'EEXIST' ? readSecret(file) : undefined;
    if (theirs) return { value: theirs, generated: false };
    throw err;
  }
  // the mode above is subject to the umask and ignored for a file that existed
  chmodSync(file, 0o600);
  return { value, generated: true };
}
