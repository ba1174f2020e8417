import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * PINs and passwords are hashed with scrypt (memory-hard: 32 MiB per try; time measured in the README), so a copied
 * database file does not give away a 6-digit PIN in seconds on a GPU. Stored as `scrypt$N$r$p$salt$hash` (base64), so
 * the cost can be raised later without breaking existing accounts.
 */
const DEFAULT = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

// One derivation at a time: scrypt runs on libuv's thread pool (4 threads), which sqlite3 shares; a burst of logins must
// not take every thread from the store's writes (device events are persisted before their PUBACK).
let queue: Promise<unknown> = Promise.resolve();
const derive = (secret: string, salt: Buffer, o: { N: number; r: number; p: number }) => {
  const run = () =>
    new Promise<Buffer>((resolve, reject) => {
      const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r };
      scrypt(secret.normalize('NFKC'), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key)));
    });
  const next = queue.then(run, run);
  queue = next.catch(() => {});
  return next;
};

export async function hashSecret(secret: string, cost = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [alg, N, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(secret, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** a hash of nothing anyone knows: verifying an unknown login against it costs the same as a real one */
export const DUMMY_HASH = `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_BYTES).toString('base64')}`;
