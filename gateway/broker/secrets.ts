import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two plain secrets (hashing first makes the lengths equal). */
export function secretMatchesPlain(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
